"""Django's Redis cache, with two changes.

- One redis-py client per connection pool. Django's ``RedisCacheClient`` builds a new
  ``redis.Redis`` for every cache operation, and building one (its table of reply
  callbacks) costs about as much CPU as the operation's round trip: half of a session read,
  on every signed-in request. A client is only a front to its pool and is safe to share
  between threads, so each pool's is built once.
- ``clear()`` deletes the cache's own keys (those under its ``KEY_PREFIX``), not the whole
  Redis database. Django's is ``FLUSHDB``: with one ``REDIS_URL`` for the cache and the
  Celery broker (the default), clearing the cache would also delete the queued tasks, alert
  deliveries among them, and the broker's bindings under running workers.

Everything else (serialisation, pools, replicas) is Django's.
"""

from __future__ import annotations

import re

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}  # pool -> its client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            # Two threads may both build one at first; either is as good, and one remains.
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    # Keys are deleted in batches of this many, as SCAN finds them.
    CLEAR_BATCH = 1000

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def clear(self) -> bool:
        if not self.key_prefix:  # nothing tells the cache's keys apart from others'
            return super().clear()
        client = self._cache.get_client(write=True)
        # Django's keys are "<prefix>:<version>:<key>"; a prefix is matched literally.
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        batch = []
        for key in client.scan_iter(match=pattern, count=self.CLEAR_BATCH):
            batch.append(key)
            if len(batch) == self.CLEAR_BATCH:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
        return True
