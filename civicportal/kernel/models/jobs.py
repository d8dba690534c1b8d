"""Background jobs: long staff work (imports, counts, exports) run by a worker.

A row per job: what kind of work (a name modules register in ``civicportal.kernel.jobs``),
where it is (``state``, ``progress_done`` of ``progress_total``, ``message``), who started
it, and what came out (a private result file and/or a link). The worker renews
``heartbeat_at`` while it runs; ``attempts`` counts the runs a worker claimed, so the
sweeper can tell a worker that died from one still working, and give up after the last try.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class PrivateStorage(FileSystemStorage):
    """Files under ``settings.PRIVATE_MEDIA_ROOT``: no URL, no web server serves them.

    They are handed out only through a view that checks permission (the job's download).
    The folder is read from settings on each use, so tests may point it elsewhere.
    """

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    def url(self, name):
        raise ValueError("Private files have no public address; use a permission-checked view.")

    def deconstruct(self):
        return ("civicportal.kernel.models.jobs.PrivateStorage", (), {})


private_storage = PrivateStorage()


def private_storage_get() -> PrivateStorage:
    return private_storage


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    kind = models.CharField(_("kind"), max_length=100)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    progress_done = models.PositiveBigIntegerField(_("done"), default=0)
    progress_total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    message = models.TextField(
        _("message"),
        blank=True,
        help_text=_("The current step, or what went wrong (naming the line or record)."),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    inputs = models.JSONField(
        _("uploaded files"),
        default=dict,
        blank=True,
        help_text=_("Files uploaded for the job (private storage); deleted when it finishes."),
    )
    result_file = models.FileField(
        _("result file"), storage=private_storage_get, max_length=255, blank=True
    )
    result_name = models.CharField(_("result file name"), max_length=255, blank=True)
    result_url = models.CharField(_("result address"), max_length=500, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    queued_at = models.DateTimeField(_("handed to the workers at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("worker heartbeat"), null=True, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            # A staff member's recent jobs.
            models.Index(fields=["started_by", "-created_at"], name="kernel_job_starter_idx"),
            # The sweeper: unfinished jobs only (a small part of the table).
            models.Index(
                fields=["state", "heartbeat_at"],
                name="kernel_job_active_idx",
                condition=Q(state__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("kernel:job-detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.state not in self.ACTIVE_STATES

    @cached_property
    def kind_spec(self):
        from civicportal.kernel.jobs import kind_get

        return kind_get(self.kind)

    @property
    def title(self) -> str:
        spec = self.kind_spec
        return str(spec.title) if spec else self.kind

    @property
    def percent(self) -> int | None:
        """Whole percent done, when the total is known."""
        if not self.progress_total:
            return 100 if self.progress_total == 0 and self.is_finished else None
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def seconds_left(self) -> int | None:
        """An estimate from the pace so far: elapsed time per unit done, times units left."""
        if (
            self.state != self.State.RUNNING
            or not self.started_at
            or not self.progress_total
            or not self.progress_done
        ):
            return None
        elapsed = (timezone.now() - self.started_at).total_seconds()
        left = max(self.progress_total - self.progress_done, 0)
        return int(elapsed / self.progress_done * left + 0.5)

    @property
    def has_result_file(self) -> bool:
        return self.state == self.State.SUCCEEDED and bool(self.result_file)
