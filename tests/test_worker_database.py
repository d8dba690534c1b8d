"""A worker process keeps its PostgreSQL connection pool from one task to the next
(civicportal/celery.py, ``CELERY_DB_REUSE_MAX`` in settings): a task borrows a connection
and hands it back, instead of opening a pool of its own and losing its prepared statements."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from civicportal.kernel.tasks import jobs_sweep_task

pytestmark = pytest.mark.django_db(transaction=True)

# libpq names the worker's connections with it, so the test can tell them from its own.
WORKER_APPLICATION = "civicportal-test-worker"


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    return {"PGAPPNAME": WORKER_APPLICATION}


def _worker_backends() -> set[int]:
    """The worker's PostgreSQL backends (server process ids) on the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [WORKER_APPLICATION],
        )
        return {pid for (pid,) in cursor.fetchall()}


def _run_in_worker(worker, count: int) -> None:
    """Queue the jobs sweep (a task that reads the database) and wait until the worker
    has finished it ``count`` times in all."""
    jobs_sweep_task.delay()
    deadline = time.monotonic() + 30
    while worker.output().count("jobs_sweep_task[") < 2 * count:  # received + succeeded
        assert time.monotonic() < deadline, worker.output()[-3000:]
        time.sleep(0.05)


def test_a_worker_keeps_its_database_connections_from_task_to_task(celery_worker_process):
    done = celery_worker_process.output().count("jobs_sweep_task[") // 2
    _run_in_worker(celery_worker_process, done + 1)
    after_first = _worker_backends()
    assert after_first, "the worker holds no connection between tasks"

    for extra in range(2, 5):
        _run_in_worker(celery_worker_process, done + extra)

    assert _worker_backends() & after_first == after_first
