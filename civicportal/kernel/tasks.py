"""The background jobs' tasks: run one job, and sweep the ones no worker is going to finish.

Celery names a task after its module: these were ``civicportal.core.tasks.job_run_task`` and
``...jobs_sweep_task`` before the jobs moved to the kernel. A message queued under an old
name at the moment of an upgrade finds no such task, and the worker discards it. Nothing is
lost: the sweeper (``job_sweep``, every minute) sends a queued job again once
``QUEUED_RESEND_AFTER`` has passed since it was handed over, and puts a running job whose
worker stopped (no heartbeat for ``STALE_AFTER``) back in the queue, both under the names
below; a sweep discarded that way is just one minute's sweep missed.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def job_run_task(job_id: int) -> None:
    """Run one background job (default queue). Idempotent: a job that is not queued (taken by
    another run, finished, cancelled) is left alone, so a repeated message does nothing."""
    from civicportal.kernel.services import job_run

    job_run(job_id)


@shared_task(acks_late=True, ignore_result=True)
def jobs_sweep_task() -> None:
    """Re-queue jobs whose worker died, send lost ones again (beat, every minute)."""
    from civicportal.kernel.services import job_sweep

    job_sweep()
