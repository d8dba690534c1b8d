"""A short-lived whole-page cache for anonymous visitors: ``@cache_anonymous_page``.

In an emergency everyone opens the same few pages at once (the home page with the alert
banner, the alert page, the alerts list). Rendering one takes about 10 ms of CPU; handing
out a stored copy costs little more than a minimal view (mostly the visitor's own CSRF
token), so the portal keeps answering when the crowd arrives (bench/alert_page_load.py).

Django's ``cache_page`` does not fit: it keys on the whole ``Cookie`` header (the pages say
``Vary: Cookie``), so every visitor holding a CSRF cookie gets a copy of their own; it
stores signed-in residents' pages too; and the copy keeps the first visitor's CSRF token.
Instead:

- Only anonymous requests use the cache: GET or HEAD with no session cookie, no messages
  cookie, no ``Authorization`` header and no htmx header. Everyone else gets the view as
  before, and their pages are never stored.
- A copy is keyed by scheme, host, full path (query string included: the language
  switcher's ``next`` field shows it) and language.
- A copy holds no CSRF token: the page is rendered with a placeholder, and each response
  gets the visitor's own token (and cookie) from ``get_token``. A response for which
  anything else asked for a token, that sets a cookie, writes the session, varies on a
  header or is not a 200 is not stored.
- Two layers. Shared copies live in the default cache (Redis) for
  ``CORE_PAGE_CACHE_SECONDS``. In front, each process keeps what it fetched for
  ``CORE_PAGE_CACHE_LOCAL_SECONDS``: a crowd then costs no cache round trip per request.
- ``page_cache_invalidate()`` makes every shared copy stale at once (a generation token
  in the cache, read in the same round trip as the copy) and empties this process's
  layer. Other processes may hand out their copy for at most
  ``CORE_PAGE_CACHE_LOCAL_SECONDS`` more. The alerts app calls it on every state change.
- ``page_cache_until(request, when)``: the page changes by itself at ``when`` (an alert's
  expiry), so no copy of it outlives that moment; the banner still leaves on time.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from uuid import uuid4

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

GENERATION_KEY = "core:pagecache:generation"
_PAGE_KEY_PREFIX = "core:pagecache:page:"
# Stands where a stored page shows its CSRF token. Escaped content cannot produce it.
CSRF_PLACEHOLDER = mark_safe("<csrf-token-placeholder>")
_CSRF_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
_UNTIL_ATTRIBUTE = "_page_cache_until"
_LOCAL_MAX_COPIES = 200
_NOT_STORED_WHEN = ("private", "no-cache", "no-store")


@dataclass(frozen=True)
class _Copy:
    """A stored page: the body cut at the CSRF placeholders, and what it was stored under."""

    generation: str
    expires: float  # time.time() from which the copy is stale
    status: int
    headers: tuple[tuple[str, str], ...]
    parts: tuple[bytes, ...]


class _LocalCopies:
    """This process's copies, each trusted for CORE_PAGE_CACHE_LOCAL_SECONDS after its fetch."""

    def __init__(self) -> None:
        self._copies: dict[tuple[str, ...], tuple[float, _Copy]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> _Copy | None:
        found = self._copies.get(key)
        if found is None:
            return None
        fetched, copy = found
        if time.monotonic() - fetched >= settings.CORE_PAGE_CACHE_LOCAL_SECONDS:
            return None
        if time.time() >= copy.expires:
            return None
        return copy

    def set(self, key: tuple[str, ...], copy: _Copy) -> None:
        with self._lock:
            self._copies.pop(key, None)
            while len(self._copies) >= _LOCAL_MAX_COPIES:  # the oldest go first
                self._copies.pop(next(iter(self._copies)))
            self._copies[key] = (time.monotonic(), copy)

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()


_local = _LocalCopies()


def cache_anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous visitors a stored copy of the page (see the module docstring).

    For class-based views: ``@method_decorator(cache_anonymous_page, name="dispatch")``.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = (request.scheme, request.get_host(), get_language(), request.get_full_path())
        copy = _local.get(key)
        if copy is not None:
            return _respond(request, copy)
        shared_key = _PAGE_KEY_PREFIX + hashlib.sha256("\n".join(key).encode()).hexdigest()
        generation, copy = _shared_get(shared_key)
        if copy is not None:
            _local.set(key, copy)
            return _respond(request, copy)

        token_asked_before = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        response = view(request, *args, **kwargs)
        # Render now, with the placeholder where this visitor's token would go, so that the
        # copy others get holds no token; a response rendered by the view itself is stored
        # only if nothing asked for a token (``_copy_of``).
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.context_data = {
                **(response.context_data or {}),
                "csrf_token": CSRF_PLACEHOLDER,
            }
            response.render()
        copy = _copy_of(request, response, generation=generation, token_asked=token_asked_before)
        if copy is None:
            if not response.streaming and _CSRF_PLACEHOLDER_BYTES in response.content:
                response.content = response.content.replace(
                    _CSRF_PLACEHOLDER_BYTES, get_token(request).encode()
                )
            return response
        timeout = math.ceil(copy.expires - time.time())
        if timeout > 0:
            cache.set(shared_key, copy, timeout)
        _local.set(key, copy)
        return _respond(request, copy)

    return wrapper


def page_cache_until(request: HttpRequest | None, when: datetime | None) -> None:
    """The page changes by itself at ``when`` (an alert expires): no copy may outlive it."""
    if request is None or when is None:
        return
    current = getattr(request, _UNTIL_ATTRIBUTE, None)
    if current is None or when < current:
        setattr(request, _UNTIL_ATTRIBUTE, when)


def page_cache_invalidate() -> None:
    """Make every stored page stale: something they may show changed.

    Call it once the change is committed (``transaction.on_commit``): a page rendered
    before the commit would otherwise be stored under the new generation.
    """
    cache.set(GENERATION_KEY, uuid4().hex, timeout=None)
    _local.clear()


def page_cache_clear_local() -> None:
    """Forget this process's copies (tests: one test's pages must not reach the next)."""
    _local.clear()


# --- Internals ---------------------------------------------------------------------------


def _cacheable(request: HttpRequest) -> bool:
    if settings.CORE_PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    # Pages sign people in through the session alone, so without a session cookie nobody is
    # signed in (checked here without loading request.user: this runs on every hit). A
    # session may also hold messages; its owner gets their own page.
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    return "HTTP_AUTHORIZATION" not in request.META and "HTTP_HX_REQUEST" not in request.META


def _shared_get(shared_key: str) -> tuple[str, _Copy | None]:
    """The current generation and the shared copy, if it belongs to it (one round trip)."""
    found = cache.get_many([GENERATION_KEY, shared_key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid4().hex, timeout=None)
        return cache.get(GENERATION_KEY, ""), None
    copy = found.get(shared_key)
    if not isinstance(copy, _Copy) or copy.generation != generation:
        return generation, None
    if time.time() >= copy.expires:
        return generation, None
    return generation, copy


def _copy_of(
    request: HttpRequest, response: HttpResponse, *, generation: str, token_asked: bool
) -> _Copy | None:
    """What to store of ``response``, or None when it must not be shared."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if response.has_header("Vary"):
        return None  # the key does not vary on what the view said it depends on
    if any(word in response.get("Cache-Control", "") for word in _NOT_STORED_WHEN):
        return None
    if token_asked or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return None  # a real CSRF token may be in the page
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return None
    if request.user.is_authenticated:
        return None  # signed in some other way, or by the view itself
    now = time.time()
    expires = now + settings.CORE_PAGE_CACHE_SECONDS
    until = getattr(request, _UNTIL_ATTRIBUTE, None)
    if until is not None:
        expires = min(expires, until.timestamp())
    if expires <= now:
        return None
    headers = tuple((k, v) for k, v in response.items() if k.lower() != "content-length")
    return _Copy(
        generation=generation,
        expires=expires,
        status=response.status_code,
        headers=headers,
        parts=tuple(response.content.split(_CSRF_PLACEHOLDER_BYTES)),
    )


def _respond(request: HttpRequest, copy: _Copy) -> HttpResponse:
    if len(copy.parts) == 1:
        content = copy.parts[0]
    else:
        content = get_token(request).encode().join(copy.parts)
    response = HttpResponse(content, status=copy.status, headers=dict(copy.headers))
    # Who gets this copy depends on the cookies sent (session, language).
    patch_vary_headers(response, ("Cookie",))
    return response
