"""The Redis cache (civicportal/core/cache.py): one client per connection pool, and a
``clear()`` that leaves the rest of the Redis database (the Celery broker's) alone."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import redis
from django.conf import settings
from django.core.cache import cache, caches

from civicportal.core.cache import RedisCache
from civicportal.core.tasks import ping_task


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


def test_clear_deletes_the_cache_keys_only():
    client = cache._cache.get_client(write=True)
    client.set("_kombu.binding.test-clear", "a broker's key in the same database")
    keys = [f"test-clear-{n}" for n in range(RedisCache.CLEAR_BATCH * 2 + 5)]
    cache.set_many(dict.fromkeys(keys, 1), timeout=60)
    try:
        assert cache.clear() is True
        assert cache.get_many(keys) == {}
        assert client.get("_kombu.binding.test-clear") == b"a broker's key in the same database"
    finally:
        client.delete("_kombu.binding.test-clear")


def test_clear_matches_its_key_prefix_literally():
    location = settings.CACHES["default"]["LOCATION"]
    odd = RedisCache(location, {"KEY_PREFIX": "test[1]"})
    neighbour = RedisCache(location, {"KEY_PREFIX": "test1"})  # what "test[1]:*" would match
    odd.set("page", "odd", timeout=60)
    neighbour.set("page", "neighbour", timeout=60)
    try:
        odd.clear()
        assert odd.get("page") is None
        assert neighbour.get("page") == "neighbour"
    finally:
        neighbour.clear()


def test_queued_tasks_survive_clearing_the_cache():
    """Django's clear() is FLUSHDB: it emptied the broker's queues in the same database."""
    queue = f"test-clear-{uuid.uuid4().hex}"  # a queue no worker reads: the task waits there
    ping_task.apply_async(args=["token"], queue=queue)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        assert broker.llen(queue) == 1
        cache.clear()
        assert broker.llen(queue) == 1
    finally:
        broker.delete(queue)
