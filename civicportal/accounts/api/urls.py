from django.urls import path

from civicportal.accounts.api import views

app_name = "accounts"

urlpatterns = [
    path("areas/", views.AreaListApi.as_view(), name="area-list"),
    path("areas/<slug:slug>/", views.AreaDetailApi.as_view(), name="area-detail"),
    path("me/", views.ProfileApi.as_view(), name="me"),
    path("me/token/", views.ApiTokenApi.as_view(), name="me-token"),
]
