"""Platform-wide writes that belong to no module: housekeeping and the worker ping."""

from __future__ import annotations

import logging
import socket
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

PING_CACHE_PREFIX = "core:ping:"
PING_CACHE_TIMEOUT = 600


def session_clear_expired() -> None:
    """Delete expired sessions (what ``manage.py clearsessions`` does).

    Safe to run any number of times, concurrently too: each run deletes whatever has expired.
    """
    engine = import_module(settings.SESSION_ENGINE)
    try:
        engine.SessionStore.clear_expired()
    except NotImplementedError:
        logger.info("Session engine %s expires sessions by itself.", settings.SESSION_ENGINE)
        return
    logger.info("Expired sessions cleared.")


def ping_record(*, token: str) -> dict:
    """Answer a ping: store who answered, and from which database, under the token.

    A worker runs this to prove it takes tasks from the broker and reaches the same
    database and cache as the web process; the caller reads the answer with ``ping_answer``.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    answer = {
        "token": token,
        "hostname": socket.gethostname(),
        "database": str(connection.settings_dict["NAME"]),
        "answered_at": timezone.now().isoformat(),
    }
    cache.set(f"{PING_CACHE_PREFIX}{token}", answer, timeout=PING_CACHE_TIMEOUT)
    return answer


def ping_answer(*, token: str) -> dict | None:
    return cache.get(f"{PING_CACHE_PREFIX}{token}")
