from django.urls import path

from civicportal.audience import views

app_name = "audience"

urlpatterns = [
    path("profile/questions/", views.ProfileQuestionsView.as_view(), name="profile-questions"),
    path("staff/audience/", views.DashboardView.as_view(), name="dashboard"),
    path("staff/audience/export.csv", views.DashboardCsvView.as_view(), name="dashboard-csv"),
]
