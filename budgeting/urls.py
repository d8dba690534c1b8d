from django.urls import path

from budgeting import views

app_name = "budgeting"

urlpatterns = [
    path("", views.ProcessListView.as_view(), name="process-list"),
    path("<slug:slug>/", views.ProcessDetailView.as_view(), name="process-detail"),
    path("<slug:slug>/projects/", views.ProjectListView.as_view(), name="project-list"),
    path("<slug:slug>/projects/new/", views.ProjectSubmitView.as_view(), name="project-submit"),
    path(
        "<slug:slug>/projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project-detail"
    ),
    path("<slug:slug>/ballots/<int:ballot_id>/", views.BallotView.as_view(), name="ballot"),
    path(
        "<slug:slug>/ballots/<int:ballot_id>/recorded/",
        views.BallotRecordedView.as_view(),
        name="ballot-recorded",
    ),
    path(
        "<slug:slug>/ballots/<int:ballot_id>/pabulib.pb",
        views.ExportView.as_view(),
        name="ballot-export",
    ),
    path("<slug:slug>/results/", views.ResultsView.as_view(), name="results"),
]
