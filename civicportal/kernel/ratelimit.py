"""Fixed-window rate limits counted in the cache, shared by every process.

One counter per (scope, subject, window): ``rate_limit_take`` adds one and tells whether the
subject is still within ``limit`` actions per ``window`` seconds. Services call it before
they write and raise ``RateLimited`` (a ``ValidationError``: pages and htmx show its
message like any other; the API answers 429 with ``Retry-After``) when it says no.

On Redis (production) a take is one round trip: a two-line Lua script that increments
the counter and sets its expiry. The key carries the window's number, so re-setting the
expiry on every hit only keeps it a little longer than its window; a new window starts a
new key at 1. Other caches (the embedded default's local memory) use ``add`` + ``incr``.

Every take counts, refused ones included: hammering a limit does not open it sooner.
"""

from __future__ import annotations

import math
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError

KEY_PREFIX = "ratelimit"
# Kept this much past the window's end so a slow request still finds its window's count.
EXPIRY_MARGIN = 5


class RateLimited(ValidationError):
    """An action refused because the actor's allowance for the window is used up."""

    def __init__(
        self, message, code: str = "rate_limited", params=None, *, retry_after: int = 60
    ) -> None:
        super().__init__(message, code=code, params=params)
        self.retry_after = retry_after


def _key(scope: str, subject: str | int, window: int, now: float) -> str:
    return f"{KEY_PREFIX}:{scope}:{subject}:{int(now // window)}"


# INCR and EXPIRE as one command: one round trip, and no counter is ever left without expiry.
_INCR_EXPIRE = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return count
"""
_incr_expire = None


def _count(key: str, timeout: int) -> int:
    global _incr_expire
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        if _incr_expire is None:
            _incr_expire = client.register_script(_INCR_EXPIRE)
        full_key = cache.make_and_validate_key(key)
        return int(_incr_expire(keys=[full_key], args=[timeout], client=client))
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr: a new window has begun
        cache.add(key, 1, timeout=timeout)
        return 1


def rate_limit_take(*, scope: str, subject: str | int, limit: int, window: int) -> bool:
    """Count one action of ``subject`` in ``scope``; False once ``limit`` per window is passed.

    ``limit`` 0 or less switches the limit off (nothing is counted). ``window`` is in
    seconds; windows are aligned on the clock (a fixed window, not a sliding one).
    """
    if limit <= 0:
        return True
    window = max(int(window), 1)
    return _count(_key(scope, subject, window, time.time()), window + EXPIRY_MARGIN) <= limit


def seconds_to_next_window(window: int) -> int:
    """Whole seconds until the current window ends and a new allowance begins."""
    window = max(int(window), 1)
    return max(math.ceil(window - time.time() % window), 1)
