"""Reads of the kernel: background jobs, and everything the portal holds about a resident."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.kernel import jobs, personal_data
from civicportal.kernel.models import Job
from civicportal.kernel.progress import NO_PROGRESS, Progress

# --- Personal data -----------------------------------------------------------------------


def personal_data_export(*, user, progress: Progress = NO_PROGRESS) -> dict[str, Any]:
    """Everything the portal holds about ``user``, one entry per registered part.

    ``progress`` (``civicportal.kernel.progress``) counts the parts as they are collected.
    """
    data = {
        "site": settings.SITE_NAME,
        "council": settings.COUNCIL_NAME,
        "generated_at": timezone.now(),
        "account": {"id": user.pk, "email": user.email},
        "parts": {},
    }
    parts = personal_data.parts()
    progress.total(len(parts))
    for part in parts:
        progress.advance(0, message=_("Collecting: %(part)s") % {"part": part.name})
        data["parts"][part.name] = part.export(user)
        progress.advance(1)
    return data


def kernel_personal_data_export(user) -> list[dict[str, Any]]:
    """The background jobs ``user`` started (what, when, how it ended), but for their
    downloads of this very data, which their page of downloads lists."""
    private = [kind.name for kind in jobs.kinds() if kind.private]
    return [
        {
            "kind": job.kind,
            "state": job.state,
            "started_at": job.created_at,
            "finished_at": job.finished_at,
        }
        for job in Job.objects.filter(started_by=user).exclude(kind__in=private).order_by("pk")
    ]


# --- Background jobs ---------------------------------------------------------------------


def job_list(*, viewer, limit: int = 50) -> models.QuerySet[Job]:
    """The jobs ``viewer`` started, newest first (the staff member's recent jobs)."""
    return Job.objects.filter(started_by=viewer).order_by("-created_at", "-id")[:limit]


def job_get(*, pk: int) -> Job:
    """One job with its starter; raises Job.DoesNotExist. Who may see it: ``kernel.view_job``."""
    return Job.objects.select_related("started_by").get(pk=pk)
