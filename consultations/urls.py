from django.urls import path

from consultations import views

app_name = "consultations"

urlpatterns = [
    path("consultations/", views.ConsultationListView.as_view(), name="consultation-list"),
    path(
        "consultations/paragraphs/<int:pk>/",
        views.ParagraphDetailView.as_view(),
        name="paragraph-detail",
    ),
    path(
        "consultations/<slug:slug>/",
        views.ConsultationDetailView.as_view(),
        name="consultation-detail",
    ),
    path(
        "consultations/<slug:slug>/answer/",
        views.QuestionnaireView.as_view(),
        name="questionnaire",
    ),
    path(
        "consultations/<slug:slug>/drafts/<int:draft_id>/",
        views.DraftDetailView.as_view(),
        name="draft-detail",
    ),
    path("consultations/<slug:slug>/results/", views.ResultsView.as_view(), name="results"),
    # Staff pages live under /staff/, where two-factor authentication is enforced.
    path(
        "staff/consultations/<slug:slug>/results/",
        views.StaffResultsView.as_view(),
        name="staff-results",
    ),
    path(
        "staff/consultations/<slug:slug>/results/questions/<int:question_id>/",
        views.StaffTextAnswersView.as_view(),
        name="staff-text-answers",
    ),
    path(
        "staff/consultations/<slug:slug>/results/export/",
        views.StaffExportView.as_view(),
        name="staff-export",
    ),
    path(
        "staff/consultations/<slug:slug>/results/publish/",
        views.StaffPublishView.as_view(),
        name="staff-publish",
    ),
]
