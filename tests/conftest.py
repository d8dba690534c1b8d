"""Fixtures shared by every test package."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.processes import CeleryWorker, RedisServer, database_url_for


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _clear_cache_keys() -> None:
    """Empty the cache (its own keys: the Celery broker shares the Redis database) and the
    stored pages each process keeps in memory."""
    from django.core.cache import cache

    from civicportal.core.pagecache import page_cache_clear_local

    page_cache_clear_local()
    cache.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and cached fragments must not leak from one test into the next."""
    _clear_cache_keys()
    yield
    _clear_cache_keys()


# --- Real helper processes ----------------------------------------------------------------


def _worker_env() -> dict[str, str]:
    """The environment a worker needs to share this test session's database and broker."""
    from django.conf import settings
    from django.db import connection

    from civicportal.celery import app

    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        raise RuntimeError("Worker tests need DATABASE_URL (PostgreSQL); run them with make.")
    return {
        "DATABASE_URL": database_url_for(database_url, connection.settings_dict["NAME"]),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": app.conf.broker_url,
    }


class _WorkerPool:
    """At most one worker at a time, restarted only when a test asks for another environment.

    One worker keeps the session fast and makes sure no other worker (with another
    environment) takes a test's task first.
    """

    def __init__(self, workdir: Path, base_env: dict[str, str]) -> None:
        self.workdir = workdir
        self.base_env = base_env
        self.current: CeleryWorker | None = None

    def ensure(self, extra_env: dict[str, str]) -> CeleryWorker:
        env = {**self.base_env, **extra_env}
        current = self.current
        if current is not None and current.env == env and current.process.poll() is None:
            return current
        self.stop()
        self.current = CeleryWorker(self.workdir, env).start()
        return self.current

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()
            self.current = None


@pytest.fixture(scope="session")
def _celery_workers(django_db_setup, django_db_blocker, tmp_path_factory):
    from civicportal.celery import app

    with django_db_blocker.unblock():
        pool = _WorkerPool(tmp_path_factory.mktemp("celery"), _worker_env())
    app.control.purge()  # a message left over from an earlier run must not surprise a test
    yield pool
    pool.stop()


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment for the worker (an SMTP sink's EMAIL_URL, say).

    Override this fixture in a test module or package conftest; the worker restarts when it
    changes.
    """
    return {}


@pytest.fixture
def celery_worker_process(_celery_workers, celery_worker_env) -> CeleryWorker:
    """A real ``celery worker`` subprocess on the test database and the test Redis.

    It is ready (its "ready." log line seen) when the test starts. Tests that use it must
    commit what the worker reads: mark them ``@pytest.mark.django_db(transaction=True)``.
    """
    return _celery_workers.ensure(celery_worker_env)


@pytest.fixture
def redis_server(tmp_path):
    """A second, throwaway Redis on a free loopback port; stop it to simulate an outage."""
    server = RedisServer(Path(tmp_path) / "redis").start()
    yield server
    server.stop()


# --- Local stand-ins for what lies outside ----------------------------------------------


@pytest.fixture
def sms_file(settings, tmp_path):
    """What the file backend sent: one dict per text."""
    path = tmp_path / "sms.jsonl"
    settings.NOTIFICATIONS_SMS_BACKEND = "file"
    settings.NOTIFICATIONS_SMS_FILE_PATH = str(path)

    def lines() -> list[dict]:
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    lines.path = path
    return lines
