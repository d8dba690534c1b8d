"""``AudienceSourceMiddleware``: counts a visit per (day, source) when a public page is
opened through a source link, and keeps the request at hand for ``current_source()``.

It sits in ``MIDDLEWARE`` after the authentication middleware. The page cache
(``civicportal/core/pagecache.py``) is a view decorator, so a stored copy handed out to an
anonymous visitor passes through here as well and is counted. Nothing is stored about the
visitor and no cookie is set: the counter is the only trace.
"""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest, HttpResponse

from civicportal.audience import sources

logger = logging.getLogger(__name__)

# Link-preview fetchers (a post's card is fetched by the network and by every server that
# shows the post), crawlers, command-line clients and headless browsers are not visits.
_NOT_A_PERSON = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|facebookcatalog|mastodon|pleroma|"
    r"akkoma|misskey|cardyb|bluesky|whatsapp|telegram|slack|discord|embedly|skypeuri|"
    r"headless|lighthouse|python-|curl/|wget/|httpx|go-http-client|okhttp|java/|libwww|"
    r"feed|monitor|scanner|fetcher",
    re.IGNORECASE,
)
# Pages that are not the public's: staff screens, the admin, the API, files.
_NOT_PUBLIC_PREFIXES = ("/staff/", "/admin/", "/api/", "/static/", "/media/", "/embed/")


def is_prefetch(request: HttpRequest) -> bool:
    purpose = request.headers.get("Sec-Purpose", "") or request.headers.get("Purpose", "")
    return "prefetch" in purpose.lower() or "prerender" in purpose.lower()


def is_bot(request: HttpRequest) -> bool:
    agent = request.headers.get("User-Agent", "")
    return not agent.strip() or bool(_NOT_A_PERSON.search(agent))


def visit_source(request: HttpRequest, response: HttpResponse) -> str:
    """The source to count a visit for, or "" when this response is not a counted visit:
    a GET of a public HTML page that answered 200, by a browser, not a prefetch."""
    if request.method != "GET" or "via" not in request.GET:
        return ""
    if response.status_code != 200:
        return ""
    if not response.get("Content-Type", "").startswith("text/html"):
        return ""
    if request.path.startswith(_NOT_PUBLIC_PREFIXES):
        return ""
    if is_prefetch(request) or is_bot(request):
        return ""
    return sources.source_clean(request.GET.get("via"))


class AudienceSourceMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = sources.request_bind(request)
        try:
            response = self.get_response(request)
        finally:
            sources.request_unbind(token)
        source = visit_source(request, response)
        if source:
            from civicportal.audience.services import visit_count

            visit_count(source=source)
        return response
