"""Health checks for /healthz: database, cache and broker, each with a short timeout."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection

# A probe answers within a few seconds, whatever the pool's own wait (DATABASE_POOL_TIMEOUT).
POOL_TIMEOUT = 3


def check_database() -> None:
    pool = getattr(connection, "pool", None)  # PostgreSQL with Django's psycopg pool
    if pool is not None:
        pool.open()  # as Django does on first use; a no-op once open
        with pool.connection(timeout=POOL_TIMEOUT) as conn:
            conn.execute("SELECT 1").fetchone()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value just stored")
    cache.delete(key)


def check_broker() -> None:
    from civicportal.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER and settings.CELERY_BROKER_URL.startswith("memory://"):
        return  # embedded default: tasks run in-process, there is no broker to reach
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_checks() -> tuple[bool, dict[str, dict]]:
    results: dict[str, dict] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # a health check reports every failure, whatever it is
            healthy = False
            results[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"status": "up"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return healthy, results
