"""Health checks for /healthz: database, cache and broker, each with a short timeout.

The public answer says up or down per part and nothing more: an error's text names hosts,
ports and library versions, which an attacker may use. Failures go to the log with their
details and timings, where the council's IT team reads them.
"""

from __future__ import annotations

import logging
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


logger = logging.getLogger(__name__)

CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_checks() -> tuple[bool, dict[str, str]]:
    """Run every check; return whether all passed and each part's "up" or "down".

    A failing check is logged at ERROR with its exception and duration.
    """
    statuses: dict[str, str] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception:  # a health check reports every failure, whatever it is
            statuses[name] = "down"
            logger.exception(
                "Health check %s failed",
                name,
                extra={"check": name, "ms": round((time.perf_counter() - started) * 1000, 1)},
            )
        else:
            statuses[name] = "up"
    return all(status == "up" for status in statuses.values()), statuses
