from django.urls import path

from alerts.api import factchecks, views, volunteers

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.AlertListApi.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", views.AlertDetailApi.as_view(), name="alert-detail"),
    path("alerts/drafts/", views.AlertDraftCreateApi.as_view(), name="draft-create"),
    path("alerts/messages/<int:pk>/", views.MessageDraftUpdateApi.as_view(), name="draft-update"),
    path("alerts/messages/<int:pk>/submit/", views.MessageSubmitApi.as_view(), name="submit"),
    path("alerts/messages/<int:pk>/approve/", views.MessageApproveApi.as_view(), name="approve"),
    path("alerts/<int:pk>/update/", views.AlertUpdateApi.as_view(), name="update"),
    path("alerts/<int:pk>/cancel/", views.AlertCancelApi.as_view(), name="cancel"),
    path("rumours/", factchecks.FactCheckListApi.as_view(), name="factcheck-list"),
    path("rumours/<int:pk>/", factchecks.FactCheckDetailApi.as_view(), name="factcheck-detail"),
    path("rumours/questions/", factchecks.QuestionAskApi.as_view(), name="factcheck-ask"),
    path(
        "rumours/<int:pk>/approve/",
        factchecks.FactCheckApproveApi.as_view(),
        name="factcheck-approve",
    ),
    # Volunteer call-outs (alerts/api/volunteers.py).
    path(
        "alerts/volunteer/",
        volunteers.VolunteerRegistrationApi.as_view(),
        name="volunteer-registration",
    ),
    path(
        "alerts/volunteer/callouts/",
        volunteers.MyCallOutListApi.as_view(),
        name="volunteer-callouts",
    ),
    path(
        "alerts/volunteer/callouts/<int:pk>/answer/",
        volunteers.CallOutAnswerApi.as_view(),
        name="volunteer-answer",
    ),
    path("alerts/callouts/", volunteers.StaffCallOutListApi.as_view(), name="callout-list"),
    path(
        "alerts/callouts/<int:pk>/roster/",
        volunteers.StaffRosterApi.as_view(),
        name="callout-roster",
    ),
]
