from django.urls import path

from alerts import feeds, views
from alerts.views import factchecks as rumours
from alerts.views import volunteers

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.AlertListView.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert-detail"),
    path("alerts/<int:pk>/live/", views.AlertLiveView.as_view(), name="alert-live"),
    path("alerts/<int:pk>/report/", views.ReportCreateView.as_view(), name="report-create"),
    path("alerts/subscription/", views.SubscriptionView.as_view(), name="subscription"),
    path("alerts/subscribe/", views.AnonymousSubscribeView.as_view(), name="subscribe"),
    path("alerts/feed/", feeds.AlertFeed(), name="feed"),
    path("alerts/cap.atom", feeds.CapIndexFeed(), name="cap-index"),
    path("alerts/cap/<str:identifier>.xml", views.cap_message, name="cap-message"),
    # Staff pages live under /staff/ so that two-factor authentication is enforced.
    path("staff/alerts/", views.StaffAlertListView.as_view(), name="staff-list"),
    path("staff/alerts/new/", views.StaffDraftCreateView.as_view(), name="staff-draft-create"),
    path("staff/alerts/<int:pk>/", views.StaffAlertView.as_view(), name="staff-alert"),
    path(
        "staff/alerts/messages/<int:pk>/edit/",
        views.StaffDraftUpdateView.as_view(),
        name="staff-draft-update",
    ),
    path(
        "staff/alerts/messages/<int:pk>/submit/",
        views.StaffSubmitView.as_view(),
        name="staff-submit",
    ),
    path(
        "staff/alerts/messages/<int:pk>/approve/",
        views.StaffApproveView.as_view(),
        name="staff-approve",
    ),
    path(
        "staff/alerts/messages/<int:pk>/return/",
        views.StaffReturnView.as_view(),
        name="staff-return",
    ),
    path(
        "staff/alerts/messages/<int:pk>/delivery/",
        views.StaffDeliveryView.as_view(),
        name="staff-delivery",
    ),
    path("staff/alerts/<int:pk>/update/", views.StaffUpdateView.as_view(), name="staff-update"),
    path("staff/alerts/<int:pk>/cancel/", views.StaffCancelView.as_view(), name="staff-cancel"),
    path("staff/alerts/reports/", views.StaffReportQueueView.as_view(), name="staff-reports"),
    path(
        "staff/alerts/reports/<int:pk>/triage/",
        views.StaffReportTriageView.as_view(),
        name="staff-report-triage",
    ),
    # Rumour control (alerts.views.factchecks).
    path("rumours/", rumours.RumourControlView.as_view(), name="factcheck-list"),
    path("rumours/feed/", rumours.FactCheckFeed(), name="factcheck-feed"),
    path("rumours/ask/", rumours.QuestionAskView.as_view(), name="factcheck-ask"),
    path("rumours/mine/", rumours.MyQuestionsView.as_view(), name="factcheck-my-questions"),
    path("rumours/<int:pk>/", rumours.FactCheckDetailView.as_view(), name="factcheck-detail"),
    path(
        "alerts/<int:pk>/rumours/",
        rumours.IncidentRumourControlView.as_view(),
        name="factcheck-incident",
    ),
    path("staff/rumours/", rumours.StaffRumourDeskView.as_view(), name="staff-rumours"),
    path(
        "staff/rumours/new/",
        rumours.StaffFactCheckCreateView.as_view(),
        name="staff-factcheck-create",
    ),
    path("staff/rumours/<int:pk>/", rumours.StaffFactCheckView.as_view(), name="staff-factcheck"),
    path(
        "staff/rumours/<int:pk>/edit/",
        rumours.StaffFactCheckUpdateView.as_view(),
        name="staff-factcheck-update",
    ),
    path(
        "staff/rumours/<int:pk>/submit/",
        rumours.StaffFactCheckSubmitView.as_view(),
        name="staff-factcheck-submit",
    ),
    path(
        "staff/rumours/<int:pk>/publish/",
        rumours.StaffFactCheckPublishView.as_view(),
        name="staff-factcheck-publish",
    ),
    path(
        "staff/rumours/<int:pk>/approve/",
        rumours.StaffFactCheckApproveView.as_view(),
        name="staff-factcheck-approve",
    ),
    path(
        "staff/rumours/<int:pk>/return/",
        rumours.StaffFactCheckReturnView.as_view(),
        name="staff-factcheck-return",
    ),
    path(
        "staff/rumours/questions/<int:pk>/answer/",
        rumours.StaffQuestionAnswerView.as_view(),
        name="staff-question-answer",
    ),
    # Volunteer call-outs (alerts/views/volunteers.py).
    path(
        "alerts/volunteer/", volunteers.VolunteerRegisterView.as_view(), name="volunteer-register"
    ),
    path(
        "alerts/volunteer/callouts/",
        volunteers.VolunteerCallOutListView.as_view(),
        name="volunteer-callouts",
    ),
    path(
        "alerts/volunteer/callouts/<int:pk>/",
        volunteers.VolunteerCallOutView.as_view(),
        name="volunteer-callout",
    ),
    path(
        "alerts/volunteer/callouts/<int:pk>/answer/",
        volunteers.VolunteerAnswerView.as_view(),
        name="volunteer-answer",
    ),
    path(
        "staff/alerts/callouts/",
        volunteers.StaffCallOutListView.as_view(),
        name="staff-callout-list",
    ),
    path(
        "staff/alerts/<int:pk>/callout/",
        volunteers.StaffCallOutCreateView.as_view(),
        name="staff-callout-create",
    ),
    path(
        "staff/alerts/callouts/<int:pk>/",
        volunteers.StaffCallOutView.as_view(),
        name="staff-callout",
    ),
    path(
        "staff/alerts/callouts/<int:pk>/stand-down/",
        volunteers.StaffStandDownView.as_view(),
        name="staff-callout-stand-down",
    ),
    path(
        "staff/alerts/callouts/<int:pk>/roster.csv",
        volunteers.StaffRosterCsvView.as_view(),
        name="staff-callout-csv",
    ),
    path(
        "staff/alerts/callouts/responses/<int:pk>/check/",
        volunteers.StaffCheckView.as_view(),
        name="staff-callout-check",
    ),
]
