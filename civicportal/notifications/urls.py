"""Included at the site root: the pages live under /profile/, the worker at /sw.js."""

from django.urls import path

from civicportal.notifications import views

app_name = "notifications"

urlpatterns = [
    path("profile/notifications/", views.PreferencesView.as_view(), name="preferences"),
    path(
        "profile/notifications/phone/",
        views.PhoneNumberStartView.as_view(),
        name="phone-number-start",
    ),
    path(
        "profile/notifications/phone/verify/",
        views.PhoneNumberVerifyView.as_view(),
        name="phone-number-verify",
    ),
    path(
        "profile/notifications/phone/delete/",
        views.PhoneNumberDeleteView.as_view(),
        name="phone-number-delete",
    ),
    path(
        "profile/notifications/push/subscribe/",
        views.PushSubscribeView.as_view(),
        name="push-subscribe",
    ),
    path(
        "profile/notifications/push/unsubscribe/",
        views.PushUnsubscribeView.as_view(),
        name="push-unsubscribe",
    ),
    path("profile/inbox/", views.InboxView.as_view(), name="inbox"),
    path("profile/inbox/read/", views.InboxMarkReadView.as_view(), name="inbox-mark-read"),
    path(
        "profile/inbox/read-all/", views.InboxMarkAllReadView.as_view(), name="inbox-mark-all-read"
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
    # Subscribers without an account: their own page is short, to fit in a text message.
    path(
        "subscriptions/confirm/<str:token>/",
        views.SubscriberConfirmView.as_view(),
        name="subscriber-confirm",
    ),
    path("subscriptions/code/", views.SubscriberCodeView.as_view(), name="subscriber-code"),
    path("s/<str:token>/", views.SubscriberView.as_view(), name="subscriber"),
    path("s/<str:token>/data.json", views.SubscriberDataView.as_view(), name="subscriber-data"),
    path("sw.js", views.service_worker, name="service-worker"),
]
