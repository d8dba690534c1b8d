"""The shared fixed-window rate limit (civicportal.kernel.ratelimit), on Redis and in memory."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError

from civicportal.kernel import ratelimit
from civicportal.kernel.ratelimit import RateLimited, rate_limit_take, seconds_to_next_window

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(params=["configured", "local memory"])
def cache_backend(request, settings):
    """Each test runs on the configured cache (Redis in `make test`) and on local memory."""
    if request.param == "local memory":
        settings.CACHES = LOCAL_MEMORY
        caches["default"].clear()  # local memory outlives a test: start from nothing
    return request.param


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves: ``clock.now`` seconds since the epoch."""

    class Clock:
        now = 60.0 * 20_000_000  # the start of a minute

    monkeypatch.setattr(ratelimit.time, "time", lambda: Clock.now)
    return Clock


def take(subject="resident-1", *, scope="tests:action", limit=3, window=60) -> bool:
    return rate_limit_take(scope=scope, subject=subject, limit=limit, window=window)


def test_allows_the_limit_then_refuses(cache_backend, clock):
    assert [take() for _ in range(5)] == [True, True, True, False, False]


def test_counts_each_subject_and_scope_apart(cache_backend, clock):
    assert [take() for _ in range(3)] == [True] * 3
    assert not take()
    assert take("resident-2")
    assert take(scope="tests:other")


def test_a_new_window_starts_a_new_allowance(cache_backend, clock):
    clock.now += 20  # 20 s into a 60 s window
    assert [take() for _ in range(4)] == [True, True, True, False]
    assert seconds_to_next_window(60) == 40
    clock.now += 40
    assert take()


def test_a_limit_of_zero_counts_nothing(cache_backend, clock):
    assert all(take(limit=0) for _ in range(100))
    assert [take() for _ in range(4)] == [True, True, True, False]


def test_on_redis_the_counter_expires_with_its_window(settings, clock):
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        pytest.skip("needs REDIS_URL (make test sets it)")
    take(window=60)
    key = cache.make_and_validate_key(ratelimit._key("tests:action", "resident-1", 60, clock.now))
    client = cache._cache.get_client(key)
    assert int(client.get(key)) == 1
    assert 0 < client.ttl(key) <= 60 + ratelimit.EXPIRY_MARGIN
    assert cache.get(ratelimit._key("tests:action", "resident-1", 60, clock.now)) == 1


def test_rate_limited_is_a_validation_error_with_a_wait():
    error = RateLimited("Slow down.", retry_after=42)
    assert isinstance(error, ValidationError)
    assert error.messages == ["Slow down."]
    assert error.code == "rate_limited"
    assert error.retry_after == 42
