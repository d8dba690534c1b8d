"""Sharing: on Mastodon without a third party, and the share cards' pictures.

There is no central Mastodon to link to, and share services in between see who shares
what. So the share link opens this page, the resident types their server, and the POST
sends them to that server's own share page. POST (with CSRF), so the portal cannot be
used as an open redirect by a crafted link.

The cards' pictures (``civicportal.core.share_cards``) are served under immutable
addresses: the digest in the address names what is drawn.
"""

from __future__ import annotations

from urllib.parse import quote, urljoin

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from civicportal.core import share_cards
from civicportal.core.forms import MastodonShareForm

# The digest names what is drawn, so a card's address never shows anything else: a year.
CARD_MAX_AGE = 365 * 24 * 3600


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


def _card_response(card: share_cards.Card) -> HttpResponse:
    response = HttpResponse(share_cards.card_png(card), content_type="image/png")
    response["Cache-Control"] = f"public, max-age={CARD_MAX_AGE}, immutable"
    return response


def _card_language(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise Http404(_("There is no such picture."))
    return language


class ShareCardView(View):
    """The card of a public item. An address with an old digest (the title, area or
    brand changed since) is sent to the current one; a private item has no card."""

    def get(self, request, key: str, pk: int, language: str, digest: str):
        with translation.override(_card_language(language)):
            try:
                item = share_cards.item_get(key, pk)
            except ObjectDoesNotExist:
                raise Http404(_("There is no such picture.")) from None
            if not share_cards.item_is_public(item, request=request):
                raise Http404(_("There is no such picture."))
            card = share_cards.card_for_item(item)
            if card.digest != digest:
                return HttpResponseRedirect(share_cards.item_card_path(item))
            return _card_response(card)


class PageCardView(View):
    """The card of a page without an item, for a title the portal signed itself."""

    def get(self, request, language: str, digest: str):
        with translation.override(_card_language(language)):
            try:
                title = share_cards.page_title_unsign(request.GET.get("t", ""))
            except signing.BadSignature:
                raise Http404(_("There is no such picture.")) from None
            card = share_cards.card_for_page(title)
            if card.digest != digest:
                return HttpResponseRedirect(share_cards.page_card_path(title))
            return _card_response(card)
