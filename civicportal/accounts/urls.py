from django.urls import path

from civicportal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.ProfileView.as_view(), name="profile"),
    path("verification/", views.VerificationView.as_view(), name="verification"),
]
