"""Interactive API docs: Swagger UI served from our own static files, no inline code (CSP)."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI; its start-up script is fetched from this same URL (``?script``)."""

    template_name = "core/api/swagger_ui.html"
    url_name = "api-schema"
