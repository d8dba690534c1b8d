"""The REST API: /api/v1/ (one namespace per app), the OpenAPI schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from civicportal.core.api.docs import ApiDocsView

v1_patterns = [
    path("", include("civicportal.accounts.api.urls")),
    path("", include("civicportal.core.api.urls")),
    path("", include("budgeting.api.urls")),
    path("", include("alerts.api.urls")),
    path("", include("consultations.api.urls")),
    path("", include("proposals.api.urls")),
    path("", include("community.api.urls")),
]

urlpatterns = [
    path("v1/", include((v1_patterns, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(), name="api-docs"),
]
