"""Portal-wide pages: home, the council's theme, health check and the styled error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import etag, require_GET
from django.views.generic import TemplateView

from civicportal.core import accessibility, navigation, theme
from civicportal.core.health import run_checks
from civicportal.core.pagecache import cache_anonymous_page


@method_decorator(cache_anonymous_page, name="dispatch")
class HomeView(TemplateView):
    """The front page: what residents can do here, and one part per registered module.

    Anonymous visitors get a copy up to CORE_PAGE_CACHE_SECONDS old: in an emergency the
    whole city opens it (with the alert banner) at once.
    """

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = [
            section for section in navigation.sections(self.request) if section.home_template
        ]
        return context


class PrivacyView(TemplateView):
    template_name = "core/privacy.html"


class AccessibilityView(TemplateView):
    """The accessibility statement, in the order of the EU's model statement."""

    template_name = "core/accessibility.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statement"] = accessibility.statement()
        return context


@require_GET
@etag(lambda request: theme.theme_version())
def theme_css(request: HttpRequest) -> HttpResponse:
    """The council's colours as CSS custom properties (inline styles are barred by the CSP).

    The page links it with the colours' fingerprint in the query string, so it can be cached
    for a long time: new colours give a new URL.
    """
    response = HttpResponse(theme.theme_css(), content_type="text/css; charset=utf-8")
    max_age = 60 * 60 * 24 * 365 if request.GET.get("v") == theme.theme_version() else 60 * 60
    patch_cache_control(response, public=True, max_age=max_age)
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Up or down per part, for load balancers and monitoring; details go to the log."""
    healthy, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks},
        status=200 if healthy else 503,
    )


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context processors: the failure may lie in one of them.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)
