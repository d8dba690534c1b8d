"""Platform tasks: housekeeping run by beat, a ping that proves a worker is alive, and the
background jobs' run and sweep."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def session_clear_expired_task() -> None:
    from civicportal.core.services import session_clear_expired

    session_clear_expired()


@shared_task(acks_late=True)
def ping_task(token: str) -> None:
    from civicportal.core.services import ping_record

    ping_record(token=token)


@shared_task(acks_late=True, ignore_result=True)
def job_run_task(job_id: int) -> None:
    """Run one background job (default queue). Idempotent: a job that is not queued (taken by
    another run, finished, cancelled) is left alone, so a repeated message does nothing."""
    from civicportal.core.services import job_run

    job_run(job_id)


@shared_task(acks_late=True, ignore_result=True)
def jobs_sweep_task() -> None:
    """Re-queue jobs whose worker died, send lost ones again (beat, every minute)."""
    from civicportal.core.services import job_sweep

    job_sweep()
