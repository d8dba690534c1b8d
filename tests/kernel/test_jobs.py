"""Background jobs: starting, running, progress, cancel, failure, the sweeper, the pages,
and the same jobs on a real Celery worker (one that is killed half-way, too).

The worker tests run the platform's own kind, ``kernel.check`` (steps of a set length, a
failure on request, a small result file), so their timing is in the test's hands.
"""

from __future__ import annotations

import io
import os
import re
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from civicportal.celery import app
from civicportal.kernel.jobs import (
    JobCancelled,
    JobContext,
    JobError,
    job_kind,
    kind_get,
    safe_file_name,
)
from civicportal.kernel.models import Job, private_storage
from civicportal.kernel.progress import NO_PROGRESS, CommandProgress, Progress
from civicportal.kernel.services import job_cancel, job_run, job_start, job_sweep
from tests import job_workers
from tests.accounts.factories import StaffFactory, UserFactory
from tests.processes import wait_for

# --- Kinds that only these tests register (in this process; the worker runs kernel.check) ---


@job_kind(
    "tests.private", title="A resident's own file", permission="core.add_comment", private=True
)
def _private_job(job: JobContext) -> None:
    job.save_result("mine.txt", "yours only")


@job_kind("tests.upload", title="Read an upload", permission="kernel.check_jobs")
def _upload_job(job: JobContext, *, expect: str) -> None:
    with job.open_input("file") as handle:
        text = handle.read().decode()
    if text != expect:
        job.fail(f"Line 1: {text!r} is not {expect!r}")
    job.save_result(f"copy of {job.input_name('file')}", text)


@pytest.fixture
def administrator(db):
    return StaffFactory(role=roles.ADMINISTRATOR, mfa=True)


_english_and_private_files = pytest.fixture(autouse=True)(job_workers.english_and_private_files)


def check_job(user, **params) -> Job:
    return job_start("kernel.check", user=user, params=params)


# --- The shared progress interface --------------------------------------------------------


def test_job_context_and_command_progress_share_the_progress_interface():
    assert isinstance(NO_PROGRESS, Progress)
    assert isinstance(CommandProgress(io.StringIO()), Progress)
    assert set(dir(Progress)) & {"total", "advance"} <= set(dir(JobContext))


def test_command_progress_writes_plain_lines_when_not_on_a_terminal():
    out = io.StringIO()
    with CommandProgress(out, unit="rows", interval=3600) as progress:
        progress.advance(0, message="Reading")
        progress.total(5000)
        for _ in range(5):
            progress.advance(1000)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Reading"
    assert lines[1] == "0/5,000 rows · Reading"
    # Throttled: no line per row in between, and the last count always shows.
    assert lines[-1] == "5,000/5,000 rows · Reading"
    assert len(lines) == 3
    assert "\r" not in out.getvalue()


def test_command_progress_draws_one_bar_on_a_terminal():
    out = io.StringIO()
    with CommandProgress(out, unit="ballots", tty=True) as progress:
        progress.total(200)
        progress.advance(100)
        progress.advance(100)
    text = out.getvalue()
    assert text.startswith("\r[" + "." * 30 + "]   0% 0/200 ballots")
    assert "\r[" + "#" * 30 + "] 100% 200/200 ballots" in text
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, ended at the finish


def test_command_progress_can_be_silenced():
    out = io.StringIO()
    with CommandProgress(out, unit="rows", enabled=False) as progress:
        progress.total(3)
        progress.advance(3)
    assert out.getvalue() == ""


# --- Starting ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_start_needs_the_kinds_permission_and_enqueues_only_on_commit(
    administrator, django_capture_on_commit_callbacks
):
    for outsider in (UserFactory(), StaffFactory(role=BUDGET_OFFICER, mfa=True)):
        with pytest.raises(PermissionDenied):
            check_job(outsider)
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = check_job(administrator, steps=3)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and job.params == {"steps": 3}
    assert job.started_by == administrator and job.queued_at is not None


@pytest.mark.django_db
def test_an_unknown_kind_is_a_programming_error(administrator):
    with pytest.raises(LookupError):
        job_start("tests.no-such-kind", user=administrator)


@pytest.mark.django_db
def test_uploads_are_kept_privately_until_the_job_ends(administrator, settings):
    upload = SimpleUploadedFile("votes.csv", b"hello", content_type="text/csv")
    job = job_start(
        "tests.upload", user=administrator, params={"expect": "hello"}, files={"file": upload}
    )
    stored = Path(private_storage.path(job.inputs["file"]["path"]))
    assert stored.read_bytes() == b"hello"
    assert job.inputs["file"]["name"] == "votes.csv"
    private_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert private_root in stored.resolve().parents
    assert Path(settings.MEDIA_ROOT).resolve() not in stored.resolve().parents
    with pytest.raises(ValueError):
        private_storage.url(job.inputs["file"]["path"])

    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message
    assert job.result_name == "copy of votes.csv"
    assert job.result_file.read() == b"hello"
    assert not stored.exists()  # the upload is deleted once the job ends


# --- Running (in this process: the body the worker's task calls) -------------------------


@pytest.mark.django_db
def test_run_records_success_progress_and_result(administrator):
    job = check_job(administrator, steps=4, step_seconds=0)
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (4, 4)
    assert job.message == "All 4 steps done."
    assert job.attempts == 1 and job.started_at and job.finished_at
    assert job.result_file.read().startswith(f"Job {job.pk}: 4 steps done".encode())


@pytest.mark.django_db
def test_run_is_idempotent_for_a_job_that_is_not_queued(administrator):
    job = check_job(administrator, steps=2, step_seconds=0)
    job_run(job.pk)
    job.refresh_from_db()
    finished = (job.state, job.finished_at, job.attempts, job.result_file.name)
    job_run(job.pk)  # a repeated or late message
    job.refresh_from_db()
    assert (job.state, job.finished_at, job.attempts, job.result_file.name) == finished

    running = check_job(administrator, steps=2)
    Job.objects.filter(pk=running.pk).update(state=Job.State.RUNNING, attempts=1)
    job_run(running.pk)  # another worker has it
    running.refresh_from_db()
    assert running.state == Job.State.RUNNING and running.attempts == 1
    job_run(987654321)  # a job deleted meanwhile: nothing, no error


@pytest.mark.django_db
def test_a_failing_job_keeps_the_message_naming_the_step(administrator):
    job = check_job(administrator, steps=5, step_seconds=0, fail_at=3)
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message == "Step 3: failed on purpose, as asked."
    assert job.progress_done == 2
    assert not job.result_file


@pytest.mark.django_db
def test_an_unexpected_error_is_logged_and_staff_see_no_traceback(administrator, caplog):
    job = check_job(administrator, steps="many")  # int("many") fails inside the run
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "Something went wrong on the server" in job.message
    assert "Traceback" not in job.message and "ValueError" not in job.message
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)


@pytest.mark.django_db
def test_a_starter_who_lost_the_permission_gets_a_failed_job(administrator):
    job = check_job(administrator, steps=1)
    administrator.is_active = False
    administrator.save()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "no longer exists or is disabled" in job.message


@pytest.mark.django_db
def test_advance_raises_once_the_job_is_cancelled(administrator):
    job = check_job(administrator, steps=1)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1)
    job.refresh_from_db()
    context = JobContext(job, threaded=False)
    context.total(10)
    context._last_write = 0  # the next advance writes (writes are throttled to 0.5 s)
    context.advance(1, message="first")
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.message) == (1, 10, "first")
    job_cancel(job, job.started_by)
    context._last_write = 0
    with pytest.raises(JobCancelled):
        context.advance(1)
    with pytest.raises(JobError, match="Line 12"):
        context.fail("Line 12: no")


@pytest.mark.django_db
def test_cancel_a_queued_job_at_once_and_refuse_a_finished_one(administrator):
    job = check_job(administrator, steps=1)
    with pytest.raises(PermissionDenied):
        job_cancel(job, UserFactory())
    cancelled = job_cancel(job, administrator)
    assert cancelled.state == Job.State.CANCELLED
    job_run(job.pk)  # its message arrives later: nothing runs
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED and job.attempts == 0
    with pytest.raises(ValidationError, match="already finished"):
        job_cancel(job, administrator)


# --- Who sees a job ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_is_seen_by_its_starter_and_by_staff_with_the_kinds_permission(administrator):
    job = check_job(administrator, steps=1)
    other_admin = StaffFactory(role=roles.ADMINISTRATOR, mfa=True)
    officer = StaffFactory(role=BUDGET_OFFICER, mfa=True)
    resident = UserFactory()
    assert administrator.has_perm("kernel.view_job", job)
    assert other_admin.has_perm("kernel.view_job", job)
    assert other_admin.has_perm("kernel.cancel_job", job)
    assert not officer.has_perm("kernel.view_job", job)
    assert not resident.has_perm("kernel.view_job", job)


@pytest.mark.django_db
def test_a_private_kind_is_seen_by_its_starter_only():
    resident = UserFactory()
    job = job_start("tests.private", user=resident)
    assert resident.has_perm("kernel.view_job", job)
    assert not StaffFactory(role=roles.ADMINISTRATOR, mfa=True).has_perm("kernel.view_job", job)
    assert not UserFactory().has_perm("kernel.view_job", job)


# --- The sweeper -------------------------------------------------------------------------


@pytest.mark.django_db
def test_sweeper_requeues_a_job_whose_worker_stopped_then_gives_up(
    administrator, django_capture_on_commit_callbacks
):
    job = check_job(administrator, steps=1)
    old = timezone.now() - timedelta(minutes=5)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1, heartbeat_at=old)
    fresh = check_job(administrator, steps=1)
    Job.objects.filter(pk=fresh.pk).update(
        state=Job.State.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary = job_sweep(resend_after=timedelta(hours=1))
    assert summary.requeued == 1 and len(callbacks) == 1
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.state == Job.State.QUEUED and "tried again" in job.message
    assert fresh.state == Job.State.RUNNING  # its worker is alive

    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=3, heartbeat_at=old)
    summary = job_sweep(max_attempts=3, resend_after=timedelta(hours=1))
    job.refresh_from_db()
    assert summary.failed == 1 and job.state == Job.State.FAILED
    assert "stopped without finishing 3 times" in job.message


@pytest.mark.django_db
def test_sweeper_cancels_a_dead_job_someone_cancelled_and_resends_lost_messages(
    administrator, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(hours=1)
    dead = check_job(administrator, steps=1)
    Job.objects.filter(pk=dead.pk).update(
        state=Job.State.RUNNING, attempts=1, heartbeat_at=old, cancel_requested=True
    )
    lost = check_job(administrator, steps=1)
    Job.objects.filter(pk=lost.pk).update(queued_at=old)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary = job_sweep()
    assert (summary.cancelled, summary.resent) == (1, 1)
    assert len(callbacks) == 2  # the resent one, and the cancelled one's uploads deleted
    dead.refresh_from_db()
    lost.refresh_from_db()
    assert dead.state == Job.State.CANCELLED
    assert lost.state == Job.State.QUEUED and lost.queued_at > old


# --- The pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_progress_page_polls_while_running_and_stops_when_finished(client, administrator):
    job = check_job(administrator, steps=10, step_seconds=0)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING,
        attempts=1,
        started_at=timezone.now() - timedelta(seconds=30),
        progress_done=3,
        progress_total=10,
        message="Step 4 of 10",
    )
    client.force_login(administrator)
    url = reverse("kernel:job-detail", args=[job.pk])
    assert url == f"/staff/jobs/{job.pk}/"
    page = client.get(url).content.decode()
    assert '<noscript><meta http-equiv="refresh"' in page
    assert 'hx-trigger="every 1s"' in page
    assert '<progress class="job-progress w-100"' in page and 'value="3"' in page
    assert "3 of 10 done (30%)" in page
    assert re.search(r"about 1 min 1\d s left", page)  # 30 s (and a little) for 3, 7 to go
    assert "Step 4 of 10" in page
    assert "Cancel the job" in page
    assert re.search(r'src="/static/vendor/htmx/htmx\.min[.\w]*\.js"', page)  # ours, no CDN

    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('<div id="job-status"') and "<html" not in partial

    job_run_finish(job)
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial and "Cancel the job" not in partial
    page = client.get(url).content.decode()
    assert "noscript" not in page.split("<body")[0]
    assert "Download job-check.txt" in page


def job_run_finish(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, attempts=0)
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message


@pytest.mark.django_db
def test_failed_job_page_shows_the_message(client, administrator):
    job = check_job(administrator, steps=5, step_seconds=0, fail_at=2)
    job_run(job.pk)
    client.force_login(administrator)
    page = client.get(reverse("kernel:job-detail", args=[job.pk])).content.decode()
    assert "The job failed:" in page
    assert "Step 2: failed on purpose, as asked." in page
    assert "Download" not in page


@pytest.mark.django_db
def test_cancel_button_posts_with_csrf_and_works_with_htmx(administrator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    job = check_job(administrator, steps=1)
    url = reverse("kernel:job-cancel", args=[job.pk])
    assert client.post(url).status_code == 403  # no CSRF token
    page = client.get(reverse("kernel:job-detail", args=[job.pk]))
    token = page.context["csrf_token"]
    response = client.post(url, {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    # htmx sends the token in a header and gets the partial back, with the reason on a repeat.
    response = client.post(url, headers={"HX-Request": "true", "X-CSRFToken": str(token)})
    assert response.status_code == 200
    assert "already finished" in response.content.decode()


@pytest.mark.django_db
def test_download_goes_through_the_permission_check(client, administrator):
    job = check_job(administrator, steps=1, step_seconds=0)
    job_run(job.pk)
    url = reverse("kernel:job-download", args=[job.pk])
    client.force_login(administrator)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(f"Job {job.pk}".encode())
    assert 'attachment; filename="job-check.txt"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]

    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.get(reverse("kernel:job-detail", args=[job.pk])).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(administrator)
    assert client.get(reverse("kernel:job-download", args=[424242])).status_code == 404


@pytest.mark.django_db
def test_staff_without_a_second_factor_are_sent_to_set_one_up(client):
    admin_without_mfa = StaffFactory(role=roles.ADMINISTRATOR)
    job = check_job(StaffFactory(role=roles.ADMINISTRATOR, mfa=True), steps=1)
    client.force_login(admin_without_mfa)
    response = client.get(reverse("kernel:job-detail", args=[job.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.django_db
def test_job_list_shows_ones_own_recent_jobs_and_the_check_button(client, administrator):
    mine = check_job(administrator, steps=1)
    others = check_job(StaffFactory(role=roles.ADMINISTRATOR, mfa=True), steps=1)
    client.force_login(administrator)
    page = client.get(reverse("kernel:job-list")).content.decode()
    assert f'data-job="{mine.pk}"' in page and f'data-job="{others.pk}"' not in page
    assert "Background jobs check" in page
    response = client.post(reverse("kernel:job-check"))
    started = Job.objects.filter(started_by=administrator).latest("id")
    assert response["Location"] == started.get_absolute_url()

    officer = StaffFactory(role=BUDGET_OFFICER, mfa=True)
    client.force_login(officer)
    page = client.get(reverse("kernel:job-list")).content.decode()
    assert "Check the background jobs" not in page
    assert client.post(reverse("kernel:job-check")).status_code == 403


# --- On a real worker --------------------------------------------------------------------


# A real worker that shares this process's job files (tests/job_workers.py).
job_files = job_workers.job_files
celery_worker_env = job_workers.celery_worker_env
worker = job_workers.job_worker


def wait_state(job: Job, *states: str, worker, timeout: float = 60) -> Job:
    def reached():
        job.refresh_from_db()
        return job.state in states

    wait_for(
        reached,
        timeout=timeout,
        message=f"job {job.pk} is {job.state}, not {states}\n{worker.output()[-3000:]}",
    )
    return job


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_reports_progress_while_running_then_hands_out_the_result(
    client, administrator, worker
):
    job = check_job(administrator, steps=30, step_seconds=0.2)
    seen: set[int] = set()

    def midway() -> bool:
        job.refresh_from_db()
        if job.state == Job.State.RUNNING and job.progress_total == 30:
            seen.add(job.progress_done)
        return len({n for n in seen if 0 < n < 30}) >= 3

    try:
        wait_for(midway, timeout=60, message="no progress seen")
    except AssertionError:
        job.refresh_from_db()
        raise AssertionError(
            f"progress seen: {seen}; the job is {job.state}: {job.message}\n{worker.output()}"
        ) from None
    client.force_login(administrator)
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content
    assert b"of 30 done" in partial and b'hx-trigger="every 1s"' in partial
    wait_state(job, Job.State.SUCCEEDED, Job.State.FAILED, worker=worker)
    assert job.state == Job.State.SUCCEEDED, job.message
    assert (job.progress_done, job.attempts) == (30, 1)
    download = client.get(reverse("kernel:job-download", args=[job.pk]))
    assert b"".join(download.streaming_content).startswith(f"Job {job.pk}: 30 steps".encode())
    assert f"Job {job.pk} (kernel.check) succeeded" in worker.output()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_cancel_stops_a_running_job_on_the_worker(administrator, worker):
    job = check_job(administrator, steps=300, step_seconds=0.1)
    wait_for(
        lambda: Job.objects.filter(pk=job.pk, progress_done__gt=2).exists(),
        timeout=60,
        message=f"the job did not start\n{worker.output()[-3000:]}",
    )
    job_cancel(job, administrator)
    wait_state(job, Job.State.CANCELLED, Job.State.SUCCEEDED, worker=worker, timeout=20)
    assert job.state == Job.State.CANCELLED
    assert job.message == "Cancelled."
    assert 2 < job.progress_done < 300
    assert not job.result_file


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_failing_job_on_the_worker_shows_its_message(client, administrator, worker):
    job = check_job(administrator, steps=10, step_seconds=0.05, fail_at=4)
    wait_state(job, Job.State.FAILED, Job.State.SUCCEEDED, worker=worker)
    assert job.state == Job.State.FAILED
    client.force_login(administrator)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Step 4: failed on purpose, as asked." in page


def _descendants(pid: int) -> list[int]:
    """The processes under ``pid`` (read from /proc: the pool's children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_died_is_requeued_by_the_sweeper_and_finished_by_another(
    administrator, worker, _celery_workers, celery_worker_env
):
    job = check_job(administrator, steps=60, step_seconds=0.1)
    wait_for(
        lambda: Job.objects.filter(pk=job.pk, progress_done__gte=5).exists(),
        timeout=60,
        message=f"the job did not start\n{worker.output()[-3000:]}",
    )
    # The machine goes away: parent and pool processes at once, nothing gets to clean up.
    for pid in [worker.process.pid, *_descendants(worker.process.pid)]:
        os.kill(pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and job.progress_done < 60
    time.sleep(2.5)  # the heartbeat stops

    summary = job_sweep(stale_after=timedelta(seconds=2))
    assert summary.requeued == 1
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and "tried again" in job.message

    second = _celery_workers.ensure(celery_worker_env)  # a new worker
    assert second is not worker
    wait_state(job, Job.State.SUCCEEDED, Job.State.FAILED, worker=second, timeout=90)
    assert job.state == Job.State.SUCCEEDED, job.message
    assert (job.attempts, job.progress_done) == (2, 60)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_starting_returns_at_once_and_the_job_waits_for_a_worker(
    client, administrator, _celery_workers, settings
):
    _celery_workers.stop()  # no worker: whatever the request did, it did alone
    broker = redis.Redis.from_url(app.conf.broker_url)
    before = broker.llen("celery")
    client.force_login(administrator)
    assert client.get(reverse("kernel:job-list")).status_code == 200  # where the button is
    started = time.monotonic()
    response = client.post(reverse("kernel:job-check"))
    elapsed = time.monotonic() - started
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert elapsed < 1.0, elapsed
    assert job.state == Job.State.QUEUED
    assert broker.llen("celery") == before + 1  # handed to the broker on commit
    app.control.purge()


def test_a_kind_name_cannot_be_taken_twice():
    def other(job):
        pass

    with pytest.raises(ValueError, match="already registered"):
        job_kind("kernel.check", title="Another", permission="kernel.check_jobs")(other)
    job_kind("tests.upload", title="Read an upload", permission="kernel.check_jobs")(_upload_job)


def test_stored_file_names_keep_no_folders_or_odd_characters():
    assert safe_file_name("../../etc/passwd", "x") == "passwd"
    assert safe_file_name("my votes (2024).pb", "x") == "my_votes_2024.pb"
    assert safe_file_name("..", "upload") == "upload"
    assert safe_file_name("", "upload") == "upload"


def test_the_platform_registers_its_check_kind():
    spec = kind_get("kernel.check")
    assert spec is not None and spec.permission == "kernel.check_jobs" and not spec.private


@pytest.mark.django_db
def test_staff_reach_their_jobs_from_the_account_menu_and_residents_do_not(client):
    from tests.accounts.factories import StaffFactory, UserFactory

    link = f'href="{reverse("kernel:job-list")}"'
    client.force_login(UserFactory())
    assert link not in client.get("/").content.decode()
    client.force_login(StaffFactory())
    assert link in client.get("/").content.decode()
