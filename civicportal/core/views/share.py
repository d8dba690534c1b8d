"""Sharing on Mastodon without a third party: the resident names their own server.

There is no central Mastodon to link to, and share services in between see who shares
what. So the share link opens this page, the resident types their server, and the POST
sends them to that server's own share page. POST (with CSRF), so the portal cannot be
used as an open redirect by a crafted link.
"""

from __future__ import annotations

from urllib.parse import quote, urljoin

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from civicportal.core.forms import MastodonShareForm


def _own_url(request, url: str) -> str:
    """``url`` made absolute when it points into this site; empty otherwise."""
    absolute = urljoin(settings.SITE_URL + "/", url or "")
    allowed = {request.get_host(), settings.SITE_URL.split("://", 1)[-1].split("/")[0]}
    if url and url_has_allowed_host_and_scheme(absolute, allowed_hosts=allowed):
        return absolute
    return ""


class MastodonShareView(View):
    template_name = "core/share_mastodon.html"

    def get(self, request):
        form = MastodonShareForm(
            initial={
                "url": _own_url(request, request.GET.get("url", "")),
                "text": request.GET.get("text", "")[:500],
            }
        )
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = MastodonShareForm(request.POST)
        if form.is_valid():
            url = _own_url(request, form.cleaned_data["url"])
            if url:
                text = " ".join(filter(None, [form.cleaned_data["text"], url]))
                return HttpResponseRedirect(
                    f"https://{form.cleaned_data['instance']}/share?text={quote(text)}"
                )
            form.add_error(None, _("Only pages of this site can be shared from here."))
        return render(request, self.template_name, {"form": form})
