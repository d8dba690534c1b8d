"""The Redis cache keeps one client per connection pool (civicportal/core/cache.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache, caches

from civicportal.core.cache import RedisCache


def test_each_pool_has_one_client_for_every_operation():
    assert isinstance(caches["default"], RedisCache)  # the tests run with REDIS_URL set
    first = cache._cache.get_client(write=True)

    assert cache._cache.get_client(write=True) is first
    assert first.connection_pool is cache._cache._get_connection_pool(write=True)


def test_the_shared_client_serves_many_threads_at_once():
    def round_trip(n: int) -> int:
        cache.set(f"test-cache-thread-{n}", n, timeout=30)
        return cache.get(f"test-cache-thread-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        values = list(pool.map(round_trip, range(200)))

    assert values == list(range(200))
    assert cache.get_many([f"test-cache-thread-{n}" for n in (3, 199)]) == {
        "test-cache-thread-3": 3,
        "test-cache-thread-199": 199,
    }
