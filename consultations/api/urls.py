from django.urls import path

from consultations.api import views

app_name = "consultations"

urlpatterns = [
    path("consultations/", views.ConsultationListApi.as_view(), name="consultation-list"),
    path(
        "consultations/<slug:slug>/",
        views.ConsultationDetailApi.as_view(),
        name="consultation-detail",
    ),
    path(
        "consultations/<slug:slug>/questions/",
        views.QuestionListApi.as_view(),
        name="question-list",
    ),
    path("consultations/<slug:slug>/results/", views.ResultsApi.as_view(), name="results"),
    path("consultations/<slug:slug>/response/", views.ResponseApi.as_view(), name="response"),
]
