from django.urls import path

from budgeting.api import views

app_name = "budgeting"

urlpatterns = [
    path("budget/processes/", views.ProcessListApi.as_view(), name="process-list"),
    path("budget/processes/<slug:slug>/", views.ProcessDetailApi.as_view(), name="process-detail"),
    path(
        "budget/processes/<slug:slug>/projects/",
        views.ProjectListApi.as_view(),
        name="project-list",
    ),
    path(
        "budget/processes/<slug:slug>/projects/<int:pk>/",
        views.ProjectDetailApi.as_view(),
        name="project-detail",
    ),
    path("budget/processes/<slug:slug>/results/", views.ResultsApi.as_view(), name="results"),
    path(
        "budget/processes/<slug:slug>/ballots/<int:ballot_id>/vote/",
        views.BallotCastApi.as_view(),
        name="ballot-cast",
    ),
]
