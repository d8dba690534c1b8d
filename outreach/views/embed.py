"""The embeddable widget's pages (``/embed/<widget>/``) and its staff help page.

A widget page is framed by the council's own website only: the sites listed in
``EMBED_ALLOWED_PARENTS`` through CSP ``frame-ancestors`` (none when the list is empty),
exempt from ``X-Frame-Options: DENY`` which every other page keeps. It shows what an
anonymous visitor sees, sets no cookie and may be cached briefly by anyone.
"""

from __future__ import annotations

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from outreach.selectors import embed as selectors


@method_decorator(xframe_options_exempt, name="dispatch")
class EmbedWidgetView(View):
    def dispatch(self, request, *args, **kwargs):
        # Read per request (not at import) so the allowed parents follow the settings.
        framed_by_parents = csp_replace({"frame-ancestors": selectors.embed_frame_ancestors()})
        return framed_by_parents(super().dispatch)(request, *args, **kwargs)

    def get(self, request, widget: str):
        try:
            embed = selectors.embed_widget_get(widget)
        except LookupError:
            raise Http404(_("There is no such widget.")) from None
        language = selectors.embed_language(
            request.GET.get("lang"), translation.get_language() or settings.LANGUAGE_CODE
        )
        # Nothing personal: the council's website shows every visitor the public view, and
        # the copy a cache keeps must be the same for all.
        request.user = AnonymousUser()
        with translation.override(language):
            response = TemplateResponse(request, embed.template_name, {"widget": embed})
            response.render()
        response["Content-Language"] = language
        response["Cache-Control"] = f"public, max-age={selectors.EMBED_MAX_AGE}"
        return response


class EmbedHelpView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The snippet for the council's website, and which sites may show the widget."""

    permission_required = "accounts.view_admin"
    template_name = "outreach/embed/help.html"

    def handle_no_permission(self):
        # Signed out: to the sign-in page; signed in without the permission: 403.
        if not self.request.user.is_authenticated:
            return super(PermissionRequiredMixin, self).handle_no_permission()
        raise PermissionDenied(_("Only council staff can open this page."))

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "widgets": selectors.embed_widget_list(),
            "parents": selectors.embed_allowed_parents(),
            "invalid_parents": selectors.embed_parents_invalid(),
            "script_url": _script_url(),
        }


def _script_url() -> str:
    """embed.js under its own, unversioned name: the council's website keeps the snippet
    across upgrades, and the file is served beside its versioned copy."""
    static = settings.STATIC_URL
    if not static.startswith(("http://", "https://")):
        static = f"{settings.SITE_URL}{static}"
    return f"{static}outreach/embed.js"
