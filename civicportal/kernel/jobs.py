"""Background jobs: long staff work (imports, counts, exports) run by a worker, with live
progress, a Cancel button and a result, on the page ``/staff/jobs/<id>/``.

The platform knows no module: each module registers its kinds of job, from its
``AppConfig.ready()`` (or a module imported there), and starts them from its own views.

Registering a kind::

    from civicportal.kernel.jobs import JobContext, job_kind

    @job_kind(
        "budgeting.pabulib_import",               # unique; "<app>.<what>"
        title=_("Pabulib import"),                # shown on the job's page and the list
        permission="budgeting.import_process",    # needed to start it, and to see others' jobs
    )
    def pabulib_import_job(job: JobContext, *, title: str = "") -> None:
        with job.open_input("file") as source:
            process = pabulib_import(actor=job.user, source=source, title=title, progress=job)
        job.link(reverse("admin:budgeting_budgetprocess_change", args=[process.pk]))
        job.advance(0, message=_("Imported “%(process)s”.") % {"process": process})

``job_kind(name, *, title, permission, private=False)`` registers ``run(job, **params)``.
``permission`` is a permission name without an object, checked when the job starts (with
the starter's request, so a staff power needs the second factor). Who sees a job (its
page, cancel, download): its starter, or any staff account that has ``permission``, both
while they still have it; a ``private=True`` kind (a resident's own data) only its starter.
These are the rules ``kernel.view_job`` and ``kernel.cancel_job``; the kernel knows no roles,
so they are granted in ``civicportal.accounts.rules``, beside the role predicates.

Starting one, from a view (``civicportal.kernel.services``; fast: the work runs later)::

    job = job_start("budgeting.pabulib_import", user=request.user,
                    params={"title": title}, files={"file": request.FILES["file"]})
    return redirect(job)                          # the progress page

``params`` must be JSON (ids, strings, numbers): the run gets them as keyword arguments.
``files`` (name -> uploaded file) are stored privately with the job, opened in the run by
``job.open_input(name)``, and deleted when the job ends. ``job_start`` raises
PermissionDenied without the kind's permission. ``job_cancel(job, user)`` cancels.

What the run function gets, a ``JobContext`` ``job``:

- ``job.user``: the account that started it. Act as it: services check its permissions
  again (a staff member who lost a role meanwhile gets a failed job, not the work done).
- ``job.params``: the parameters, as also passed to ``run`` as keyword arguments.
- ``job.total(n)`` and ``job.advance(n=1, message=None)``: the ``Progress`` interface of
  ``civicportal.kernel.progress``, so a service that takes ``progress=`` reports the same in
  a job and in a management command (``CommandProgress``). ``advance(0, message=...)``
  names the step about to start. Progress reaches the database at most every 0.5 s,
  through a connection of its own, so it shows while the work's transaction is open.
- ``advance`` raises ``JobCancelled`` once someone cancelled the job: let it propagate (a
  transaction the work runs in rolls back, so a cancelled job changes nothing).
- ``job.fail(message)``, or ``raise JobError(message)``: the job fails with ``message``;
  name the line or record at fault (``"Line 12: ..."``). A ``ValidationError`` from a
  service fails the job the same way (its messages joined), and so does
  ``PermissionDenied``. Any other exception is logged with its traceback, and staff see
  only a general message, never the traceback.
- ``job.save_result(name, content)``: the file staff download (``content``: bytes, text or a
  file object); ``name`` is the file name they get. Stored privately, kept with the job.
- ``job.link(url)``: where on the site the outcome is (a process's page, say); the job's
  page shows a button to it once the job has succeeded.
- ``job.open_input(name)`` (a binary file, use it in ``with``) and ``job.input_name(name)``
  (the uploaded file's own name).

The message a successful job shows is the last one given to ``advance`` (else "Done.").
The run happens in the starter's preferred language, so translated messages read right.

Runs are at-least-once but never concurrent: the task claims a queued job with one
conditional UPDATE and does nothing for a job not queued (already running elsewhere,
finished or cancelled). The worker renews a heartbeat every few seconds; the sweeper (beat,
every minute) puts a job whose heartbeat stopped back in the queue, and fails it after
``MAX_ATTEMPTS`` runs. A run that lost its job that way stops at its next ``advance`` and
writes nothing. So a run function must be safe to start again from the beginning: do the
work in one transaction, or make it idempotent.

Without a broker (the embedded default, tasks in-process) the job runs when the starting
request commits, and the request then shows the finished job.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.db import DatabaseError, connection, connections
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Progress reaches the database at most this often (seconds) ...
FLUSH_SECONDS = 0.5
# ... and a running job's heartbeat at least this often, even in a long silent step.
HEARTBEAT_SECONDS = 5.0
# A running job whose heartbeat is older than this has lost its worker (the sweeper's test).
STALE_AFTER = timedelta(seconds=60)
# A queued job not started this long after it was handed to the broker is sent again (a
# lost message, a broker that was down at commit). Sending twice is harmless.
QUEUED_RESEND_AFTER = timedelta(minutes=10)
# Runs a worker may claim before the sweeper gives up on a job.
MAX_ATTEMPTS = 3
MESSAGE_MAX = 2000


class JobError(Exception):
    """The job cannot be done; the message (for staff) says why, naming the line or record."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = str(message)


class JobCancelled(Exception):
    """Someone cancelled the job: raised by ``JobContext.advance``; let it propagate."""


class JobLost(JobCancelled):
    """The job was taken from this run (the sweeper thought its worker dead): stop quietly."""


@dataclass(frozen=True)
class JobKind:
    name: str
    title: str | Promise
    permission: str
    run: Callable[..., object]
    private: bool = False


_KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str, *, title: str | Promise, permission: str, private: bool = False
) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register ``run(job: JobContext, **params)`` as the kind of job ``name``.

    Registering the same function again (a module imported twice) is allowed; another
    function under a name already taken is a programming error.
    """

    def register(run: Callable[..., object]) -> Callable[..., object]:
        existing = _KINDS.get(name)
        if existing is not None and _qualname(existing.run) != _qualname(run):
            raise ValueError(f"The job kind {name!r} is already registered ({existing.run!r}).")
        _KINDS[name] = JobKind(
            name=name, title=title, permission=permission, run=run, private=private
        )
        return run

    return register


def _qualname(function: Callable[..., object]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def safe_file_name(name: str, default: str, limit: int = 100) -> str:
    """A name to store a file under: no folders, no odd characters, never empty."""
    try:
        return get_valid_filename(Path(str(name)).name)[:limit] or default
    except SuspiciousFileOperation:
        return default


def kind_get(name: str) -> JobKind | None:
    return _KINDS.get(name)


def kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)


# --- What a run function gets ------------------------------------------------------------


class JobContext:
    """The running job, as its run function sees it (see the module docstring).

    Progress is kept in memory and written out by ``_flush``: from a reporter thread with
    its own database connection (so it shows while the work's transaction is open, and the
    heartbeat goes on through long silent steps), or, when that cannot work (SQLite, which
    locks the whole database for a writer; a caller already inside a transaction, whose
    uncommitted job row another connection cannot see), from ``advance`` itself.
    """

    def __init__(self, job, *, threaded: bool | None = None) -> None:
        self.job_id: int = job.pk
        self.kind: str = job.kind
        self.params: dict = dict(job.params or {})
        self.user = job.started_by
        self.attempt: int = job.attempts
        self._inputs: dict = dict(job.inputs or {})
        if threaded is None:
            threaded = connection.vendor != "sqlite" and not connection.in_atomic_block
        self.threaded = threaded
        self._lock = threading.Lock()
        self.done = 0
        self.count: int | None = None
        self.message = ""
        self._dirty = True
        self._last_write = 0.0
        self.cancelled = False
        self.lost = False
        self.result_path = ""
        self.result_name = ""
        self.result_url = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- Progress ------------------------------------------------------------------------

    def total(self, n: int) -> None:
        with self._lock:
            self.count = max(int(n), 0)
            self._dirty = True
        self._after_change()

    def advance(self, n: int = 1, message: str | Promise | None = None) -> None:
        with self._lock:
            self.done += int(n)
            if message is not None:
                self.message = str(message)[:MESSAGE_MAX]
            self._dirty = True
        self._after_change()

    def _after_change(self) -> None:
        if not self.threaded and time.monotonic() - self._last_write >= FLUSH_SECONDS:
            self._flush()
        self.check()

    def check(self) -> None:
        """Raise JobCancelled (JobLost) if the job was cancelled (taken away) meanwhile."""
        if self.lost:
            raise JobLost
        if self.cancelled:
            raise JobCancelled

    # --- Outcome -------------------------------------------------------------------------

    def fail(self, message: str | Promise) -> None:
        raise JobError(message)

    def save_result(self, name: str, content) -> None:
        from civicportal.kernel.models import private_storage

        if isinstance(content, str):
            content = ContentFile(content.encode("utf-8"))
        elif isinstance(content, bytes | bytearray):
            content = ContentFile(bytes(content))
        elif not isinstance(content, File):
            content = File(content)
        name = Path(str(name)).name or "result"
        stored = private_storage.save(
            f"jobs/{self.job_id}/{uuid.uuid4().hex}/{safe_file_name(name, 'result')}", content
        )
        if self.result_path:
            private_storage.delete(self.result_path)
        self.result_path, self.result_name = stored, name[:255]

    def link(self, url: str) -> None:
        self.result_url = str(url)[:500]

    def open_input(self, name: str):
        from civicportal.kernel.models import private_storage

        try:
            path = self._inputs[name]["path"]
        except KeyError:
            raise JobError(f"The job has no uploaded file named {name!r}.") from None
        try:
            return private_storage.open(path, "rb")
        except FileNotFoundError:
            raise JobError(
                _("The uploaded file is no longer there; start the job again.")
            ) from None

    def input_name(self, name: str) -> str:
        return str(self._inputs.get(name, {}).get("name", ""))

    # --- Writing progress out ------------------------------------------------------------

    def start(self) -> None:
        if self.threaded:
            self._thread = threading.Thread(
                target=self._report, name=f"job-{self.job_id}-progress", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _report(self) -> None:
        try:
            while not self._stop.wait(FLUSH_SECONDS):
                if self._dirty or time.monotonic() - self._last_write >= HEARTBEAT_SECONDS:
                    try:
                        self._flush()
                    except DatabaseError:
                        logger.warning("Job %s: could not write its progress", self.job_id)
        finally:
            connections.close_all()  # this thread's own connections

    def _flush(self) -> None:
        """Write progress and the heartbeat; learn whether the job was cancelled or lost."""
        from civicportal.kernel.models import Job

        with self._lock:
            done, count, message = self.done, self.count, self.message
            self._dirty = False
        self._last_write = time.monotonic()
        mine = Job.objects.filter(pk=self.job_id, state=Job.State.RUNNING, attempts=self.attempt)
        updated = mine.filter(cancel_requested=False).update(
            progress_done=done,
            progress_total=count,
            message=message,
            heartbeat_at=timezone.now(),
        )
        if updated:
            return
        if mine.filter(cancel_requested=True).exists():
            self.cancelled = True
        else:
            self.lost = True
