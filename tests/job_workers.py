"""Fixtures for tests that run background jobs on a real worker.

A job's files (uploads, results) live in ``PRIVATE_MEDIA_ROOT``, which a worker derives
from its MEDIA_ROOT (``MEDIA_ROOT``'s sibling ``private``): these fixtures give this process
and the worker one folder for the session, so that what the page stores the worker reads,
and what the worker writes the page hands out. Import them into a test module::

    from tests.job_workers import celery_worker_env, job_files, job_worker  # noqa: F401
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def job_files(tmp_path_factory) -> Path:
    """The session's folder holding ``media/`` and ``private/`` for this process and workers."""
    return tmp_path_factory.mktemp("job-files")


@pytest.fixture
def celery_worker_env(job_files) -> dict[str, str]:
    return {"MEDIA_ROOT": str(job_files / "media")}


@pytest.fixture
def job_worker(settings, job_files, celery_worker_process):
    """A real worker sharing this process's job files (the session's one, restarted if its
    environment differs)."""
    settings.MEDIA_ROOT = job_files / "media"
    settings.PRIVATE_MEDIA_ROOT = job_files / "private"
    return celery_worker_process


@pytest.fixture
def jobs_run(request, settings):
    """Whatever runs this configuration's jobs: a real worker when there is a broker (jobs
    wait in the queue otherwise), nothing on the embedded default (no REDIS_URL), where a
    job runs in-process when the request that starts it commits."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    return request.getfixturevalue("job_worker")


def english_and_private_files(settings, tmp_path):
    """Messages in English, and this test's own folder for job files. A module makes it its
    autouse fixture: ``pytest.fixture(autouse=True)(job_workers.english_and_private_files)``."""
    settings.LANGUAGE_CODE = "en"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def wait_finished(job, worker, timeout: float = 120):
    """``job`` once a worker has finished it (refreshed), or a failure with the worker's log."""
    from tests.processes import wait_for

    def finished() -> bool:
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=timeout, message=f"job {job.pk} did not finish\n{worker.output()}")
    return job
