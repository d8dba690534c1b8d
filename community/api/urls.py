from django.urls import path

from community.api import events as event_api

app_name = "community"

urlpatterns: list = []

urlpatterns += [
    path("events/", event_api.EventListApi.as_view(), name="event-list"),
    path("events/<int:pk>/", event_api.EventDetailApi.as_view(), name="event-detail"),
    path("events/<int:pk>/sign-up/", event_api.EventSignupApi.as_view(), name="event-signup"),
    path(
        "events/<int:pk>/sign-up/cancel/",
        event_api.EventSignupCancelApi.as_view(),
        name="event-signup-cancel",
    ),
]
