"""Which source link a request came through: ``?via=<source>`` on a visit, and the ``via``
form field or ``X-Via`` header (added by ``static/audience/via.js``) on a later action.

A source is a short slug from the council's list (``AUDIENCE_SOURCES``); anything else is
ignored, never an error. ``AudienceSourceMiddleware`` keeps the request in a context
variable for the request's duration, so a service deep below the view can ask
``current_source()`` without the request being passed down to it.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, RawPostDataException
from django.http.multipartparser import MultiPartParserError

SOURCE_PATTERN = re.compile(r"[a-z0-9-]{1,32}")
DIRECT = "direct"

_current_request: ContextVar[HttpRequest | None] = ContextVar("audience_request", default=None)


def allowed_sources() -> tuple[str, ...]:
    """The council's sources (``AUDIENCE_SOURCES``: a list or a comma-separated text), each
    a valid slug; an invalid entry in the setting is left out rather than trusted."""
    configured = settings.AUDIENCE_SOURCES
    if isinstance(configured, str):
        configured = configured.split(",")
    cleaned = (str(item).strip().lower() for item in configured)
    # "direct" names the visits and actions without a source link on the dashboard.
    return tuple(
        dict.fromkeys(item for item in cleaned if SOURCE_PATTERN.fullmatch(item) and item != DIRECT)
    )


def source_clean(value: object) -> str:
    """``value`` if it is one of the council's sources, else "" (no source)."""
    if not isinstance(value, str) or not SOURCE_PATTERN.fullmatch(value):
        return ""
    return value if value in allowed_sources() else ""


def request_source(request: HttpRequest) -> str:
    """The source an action request carries: the ``X-Via`` header (htmx) or the ``via``
    form field (a plain form POST); "" when none or not a known source.

    The form is read only for form content types, and only once the view has parsed it
    (a service runs after the view read ``request.POST``), so a view that reads the raw
    body is not disturbed."""
    header = request.headers.get("X-Via")
    if header:
        return source_clean(header)
    if request.method != "POST":
        return ""
    content_type = request.content_type or ""
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return ""
    try:
        return source_clean(request.POST.get("via"))
    except (SuspiciousOperation, MultiPartParserError, RawPostDataException, OSError):
        return ""  # a malformed or unreadable body is the view's business, not the count's


def current_source() -> str:
    """The source of the request being served in this context ("" outside a request)."""
    request = _current_request.get()
    return request_source(request) if request is not None else ""


def request_bind(request: HttpRequest):
    """Make ``request`` the current one; returns the token for ``request_unbind``."""
    return _current_request.set(request)


def request_unbind(token) -> None:
    _current_request.reset(token)
