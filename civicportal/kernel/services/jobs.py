"""Background jobs: start, cancel, run (the worker's side) and sweep.

The API modules use is described in ``civicportal.kernel.jobs``; this module is the engine.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicportal.kernel.jobs import (
    MAX_ATTEMPTS,
    MESSAGE_MAX,
    QUEUED_RESEND_AFTER,
    STALE_AFTER,
    JobCancelled,
    JobContext,
    JobError,
    JobLost,
    job_kind,
    kind_get,
    safe_file_name,
)
from civicportal.kernel.models import Job, private_storage

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100
# Days a private job (a resident's own data) is kept after it finished, with its file: long
# enough to download it, not so long that a copy of someone's data lies about for good.
PRIVATE_KEEP_DAYS = 7


def job_start(kind: str, *, user, params: dict | None = None, files: dict | None = None) -> Job:
    """Create a queued job of ``kind`` for ``user`` and hand it to the workers on commit.

    Checks the kind's permission (PermissionDenied). ``params`` must be JSON; ``files``
    (name -> uploaded file) are copied to private storage with the job. Returns at once:
    the work runs in a worker, or, without a broker (tasks in-process), when this
    function's transaction commits, before it returns.
    """
    spec = kind_get(kind)
    if spec is None:
        raise LookupError(f"No job kind {kind!r} is registered.")
    if user is None or not user.is_authenticated or not user.has_perm(spec.permission):
        raise PermissionDenied(_("You may not start this kind of job."))
    params = dict(params or {})
    json.dumps(params)  # a TypeError here is a programming error: ids and strings only
    stored: list[str] = []
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=kind, params=params, started_by=user)
            inputs = {}
            for name, upload in (files or {}).items():
                original = Path(str(getattr(upload, "name", "") or name)).name
                path = private_storage.save(
                    f"jobs/{job.pk}/in/{uuid.uuid4().hex}-{safe_file_name(original, 'upload')}",
                    upload,
                )
                stored.append(path)
                inputs[name] = {"path": path, "name": original[:200]}
            job.inputs = inputs
            job.queued_at = timezone.now()
            job.save(update_fields=["inputs", "queued_at"])
            transaction.on_commit(partial(_enqueue, job.pk), robust=True)
    except BaseException:
        for path in stored:
            private_storage.delete(path)
        raise
    return job


def _enqueue(job_id: int) -> None:
    """Hand a job to the workers (call after commit). Never raises: a job the broker did not
    take stays queued, and the sweeper sends it again."""
    from civicportal.kernel.tasks import job_run_task

    try:
        job_run_task.delay(job_id)
    except Exception:
        logger.exception("Could not enqueue job %s; the sweeper will send it again", job_id)


def job_cancel(job: Job, user) -> Job:
    """Cancel a job: a queued one at once; a running one at its next progress report.

    Locks the job's row. ValidationError for a job that has already finished.
    """
    if user is None or not user.has_perm("kernel.cancel_job", job):
        raise PermissionDenied(_("You may not cancel this job."))
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.state == Job.State.QUEUED:
            locked.state = Job.State.CANCELLED
            locked.finished_at = timezone.now()
            locked.cancel_requested = True
            locked.message = _("Cancelled before it started.")
            locked.save(update_fields=["state", "finished_at", "cancel_requested", "message"])
            transaction.on_commit(partial(_inputs_delete, dict(locked.inputs)), robust=True)
        elif locked.state == Job.State.RUNNING:
            if not locked.cancel_requested:
                locked.cancel_requested = True
                locked.save(update_fields=["cancel_requested"])
        else:
            raise ValidationError(
                _("This job has already finished: there is nothing to cancel."), code="finished"
            )
    return locked


GENERIC_FAILURE = gettext_lazy(
    "Something went wrong on the server, and the job stopped. The error has been recorded "
    "for the administrators; try again later, or ask them."
)


def job_run(job_id: int) -> None:
    """Run a queued job (the worker's task calls this).

    Claims the job with one conditional UPDATE (queued -> running, one more attempt), so a
    job is run by one worker at a time, and a duplicate or late task message does nothing.
    Then runs the kind's function in the starter's language, with progress written through
    a separate connection, and records the outcome: succeeded, failed (with the message
    staff read), or cancelled. Never raises. Precondition: not inside a transaction.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        progress_done=0,
    )
    if not claimed:
        logger.info("Job %s is not queued; nothing to do", job_id)
        return
    job = Job.objects.select_related("started_by").get(pk=job_id)
    spec = kind_get(job.kind)
    context = JobContext(job)
    language = getattr(job.started_by, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        if spec is None:
            _finish(context, Job.State.FAILED, _("This kind of job is no longer available."))
            return
        if job.started_by is None or not job.started_by.is_active:
            _finish(
                context,
                Job.State.FAILED,
                _("The account that started this job no longer exists or is disabled."),
            )
            return
        logger.info("Job %s (%s) started, attempt %s", job_id, job.kind, job.attempts)
        started = time.monotonic()
        context.start()
        try:
            spec.run(context, **context.params)
        except JobLost:
            context.stop()
            _result_delete(context)
            logger.warning("Job %s was taken over by another run; this one stopped", job_id)
            return
        except JobCancelled:
            outcome, message = Job.State.CANCELLED, _("Cancelled.")
        except JobError as error:
            outcome, message = Job.State.FAILED, error.message
        except ValidationError as error:
            outcome, message = Job.State.FAILED, " ".join(error.messages)
        except PermissionDenied as error:
            outcome = Job.State.FAILED
            message = str(error) or _("You no longer have permission to do this.")
        except Exception:
            logger.exception("Job %s (%s) failed", job_id, job.kind)
            outcome, message = Job.State.FAILED, str(GENERIC_FAILURE)
        else:
            outcome, message = Job.State.SUCCEEDED, context.message or _("Done.")
        finally:
            context.stop()
        _finish(context, outcome, message)
        logger.info(
            "Job %s (%s) %s in %.1f s", job_id, job.kind, outcome, time.monotonic() - started
        )


def _finish(context: JobContext, state: str, message: str) -> None:
    """Record the outcome, if the job is still this run's; delete the uploaded files."""
    fields = {
        "state": state,
        "message": str(message)[:MESSAGE_MAX],
        "finished_at": timezone.now(),
        "heartbeat_at": timezone.now(),
        "progress_done": context.done,
        "progress_total": context.count,
    }
    if state == Job.State.SUCCEEDED:
        fields.update(
            result_file=context.result_path,
            result_name=context.result_name,
            result_url=context.result_url,
        )
    updated = Job.objects.filter(
        pk=context.job_id, state=Job.State.RUNNING, attempts=context.attempt
    ).update(**fields)
    if not updated:
        _result_delete(context)
        return
    if state != Job.State.SUCCEEDED:
        _result_delete(context)
    _inputs_delete(context._inputs)


def _result_delete(context: JobContext) -> None:
    if context.result_path:
        private_storage.delete(context.result_path)
        context.result_path = ""


def _inputs_delete(inputs: dict) -> None:
    for item in inputs.values():
        path = item.get("path") if isinstance(item, dict) else None
        if path:
            try:
                private_storage.delete(path)
            except OSError:
                logger.warning("Could not delete a job's uploaded file %s", path)


@dataclass(slots=True)
class JobSweepSummary:
    requeued: int = 0
    failed: int = 0
    cancelled: int = 0
    resent: int = 0
    expired: int = 0


def _private_kinds() -> list[str]:
    from civicportal.kernel.jobs import kinds

    return [kind.name for kind in kinds() if kind.private]


def _jobs_delete(jobs) -> int:
    """Delete finished or unfinished ``jobs`` and, once that commits, their files."""
    rows = list(jobs.values_list("pk", "result_file", "inputs"))
    if not rows:
        return 0
    Job.objects.filter(pk__in=[pk for pk, _file, _inputs in rows]).delete()
    for _pk, result_file, inputs in rows:
        transaction.on_commit(partial(_inputs_delete, dict(inputs or {})), robust=True)
        if result_file:
            transaction.on_commit(partial(_stored_delete, result_file), robust=True)
    return len(rows)


def _stored_delete(path: str) -> None:
    try:
        private_storage.delete(path)
    except OSError:
        logger.warning("Could not delete a job's result file %s", path)


@transaction.atomic
def jobs_of_user_delete(user) -> int:
    """Delete ``user``'s private jobs (their own data) with their files; part of deleting
    the account. Their other jobs (staff work) stay, without a name (``started_by`` is
    cleared with the account); a running one stops at its next progress report."""
    return _jobs_delete(Job.objects.filter(started_by=user, kind__in=_private_kinds()))


def job_sweep(
    *,
    stale_after: timedelta = STALE_AFTER,
    resend_after: timedelta = QUEUED_RESEND_AFTER,
    max_attempts: int = MAX_ATTEMPTS,
) -> JobSweepSummary:
    """Recover jobs no worker is going to finish (beat, every minute).

    1. A running job whose heartbeat is older than ``stale_after`` lost its worker: it goes
       back to the queue (sent on commit), or, after ``max_attempts`` runs, fails with a
       message saying so; if someone had asked to cancel it, it is cancelled.
    2. A queued job handed to the broker longer than ``resend_after`` ago is sent again.
    3. A private job (a resident's own data) finished ``PRIVATE_KEEP_DAYS`` ago is deleted
       with its file.

    Rows are taken with FOR UPDATE SKIP LOCKED, and each change is conditional on what was
    read, so two sweeps at once, or a sweep racing a worker's heartbeat, do no harm. A job
    sent twice is still run once (``job_run`` claims it).
    """
    now = timezone.now()
    summary = JobSweepSummary()
    with transaction.atomic():
        stale = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(state=Job.State.RUNNING)
            .filter(Q(heartbeat_at__lt=now - stale_after) | Q(heartbeat_at__isnull=True))
            .order_by("id")[:SWEEP_BATCH]
        )
        for job in stale:
            base = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, attempts=job.attempts)
            if job.cancel_requested:
                if base.update(state=Job.State.CANCELLED, finished_at=now, message=_("Cancelled.")):
                    summary.cancelled += 1
                    transaction.on_commit(partial(_inputs_delete, dict(job.inputs)), robust=True)
            elif job.attempts >= max_attempts:
                message = _(
                    "The job stopped without finishing %(count)s times (the worker running it "
                    "stopped), so it was not tried again. Nothing of it was kept."
                ) % {"count": job.attempts}
                if base.update(state=Job.State.FAILED, finished_at=now, message=message):
                    summary.failed += 1
                    transaction.on_commit(partial(_inputs_delete, dict(job.inputs)), robust=True)
            elif base.update(
                state=Job.State.QUEUED,
                queued_at=now,
                heartbeat_at=None,
                message=_("The worker running this job stopped; it will be tried again."),
            ):
                summary.requeued += 1
                transaction.on_commit(partial(_enqueue, job.pk), robust=True)
        lost = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(state=Job.State.QUEUED)
            .filter(Q(queued_at__lt=now - resend_after) | Q(queued_at__isnull=True))
            .order_by("id")
            .values_list("id", flat=True)[:SWEEP_BATCH]
        )
        for job_id in lost:
            if Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(queued_at=now):
                summary.resent += 1
                transaction.on_commit(partial(_enqueue, job_id), robust=True)
        # 3. A private job (a resident's own data) goes, file and all, a few days after.
        summary.expired = _jobs_delete(
            Job.objects.filter(
                kind__in=_private_kinds(),
                finished_at__lt=now - timedelta(days=PRIVATE_KEEP_DAYS),
            ).order_by("id")[:SWEEP_BATCH]
        )
    if summary.requeued or summary.failed or summary.cancelled or summary.resent:
        logger.info(
            "Job sweep: %d re-queued, %d failed, %d cancelled, %d sent again",
            summary.requeued,
            summary.failed,
            summary.cancelled,
            summary.resent,
        )
    if summary.expired:
        logger.info("Job sweep: %d private jobs past their keeping time deleted", summary.expired)
    return summary


# --- The platform's own kind: a check that workers run jobs ------------------------------

CHECK_STEPS_MAX = 600
CHECK_STEP_SECONDS_MAX = 2.0


@job_kind(
    "kernel.check", title=gettext_lazy("Background jobs check"), permission="kernel.check_jobs"
)
def job_check(
    job: JobContext, *, steps: int = 10, step_seconds: float = 0.2, fail_at: int | None = None
) -> None:
    """Count ``steps`` steps, ``step_seconds`` each, then offer a small file: proves, end to
    end, that a worker takes jobs, reports progress, honours Cancel and hands out results.
    ``fail_at`` makes step number ``fail_at`` fail, to see how a failure shows."""
    steps = max(1, min(int(steps), CHECK_STEPS_MAX))
    pause = max(0.0, min(float(step_seconds), CHECK_STEP_SECONDS_MAX))
    job.total(steps)
    for step in range(1, steps + 1):
        job.advance(0, message=_("Step %(step)s of %(steps)s") % {"step": step, "steps": steps})
        if fail_at is not None and step == int(fail_at):
            job.fail(_("Step %(step)s: failed on purpose, as asked.") % {"step": step})
        time.sleep(pause)
        job.advance(1)
    job.save_result(
        "job-check.txt",
        f"Job {job.job_id}: {steps} steps done at {timezone.now().isoformat()}.\n",
    )
    job.advance(0, message=_("All %(steps)s steps done.") % {"steps": steps})
