"""Periodic jobs: what beat runs, each module registering its own.

``CELERY_BEAT_SCHEDULE`` in settings holds the platform's own jobs (sessions, background
jobs, the notification engine's sweeps and digests). Core never names a domain app: each
app registers its jobs once, from its ``AppConfig.ready()``::

    from celery.schedules import crontab

    from civicportal.core import periodic

    class ProposalsConfig(AppConfig):
        def ready(self):
            periodic.register(
                "proposals-ideas-forward",                   # unique; "<app>-<what>"
                task="proposals.tasks.ideas_forward_task",
                schedule=crontab(hour=4, minute=10),         # or seconds, as a float
                options={"expires": 55},                     # optional, as in beat
            )

The schedule beat runs is settings' entries and the registered ones (``beat_schedule()``);
``civicportal.celery`` hands it to Celery once the apps are ready, before beat reads it.
Every job must be safe to run twice (docs/style.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    schedule: Any  # seconds (float), a timedelta, or a celery.schedules schedule
    options: dict[str, Any] = field(default_factory=dict)

    def entry(self) -> dict[str, Any]:
        """The job as a ``beat_schedule`` entry (no ``options`` key when there are none)."""
        entry = {"task": self.task, "schedule": self.schedule}
        if self.options:
            entry["options"] = dict(self.options)
        return entry


_JOBS: dict[str, PeriodicJob] = {}


def register(
    name: str, *, task: str, schedule: Any, options: dict[str, Any] | None = None
) -> PeriodicJob:
    """Add (or replace, by ``name``) a module's job. Safe to call twice from ``ready()``.

    A name the platform's own schedule (settings) already uses is refused: one of the two
    jobs would silently never run.
    """
    if name in settings.CELERY_BEAT_SCHEDULE:
        raise ValueError(
            f"The periodic job {name!r} is one of the platform's (CELERY_BEAT_SCHEDULE); "
            "give the module's job another name."
        )
    job = PeriodicJob(name=name, task=task, schedule=schedule, options=dict(options or {}))
    _JOBS[name] = job
    return job


def unregister(name: str) -> None:
    _JOBS.pop(name, None)


def jobs() -> list[PeriodicJob]:
    """Registered jobs in registration order."""
    return list(_JOBS.values())


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The whole schedule: the platform's jobs from settings, then the registered ones."""
    return {
        **settings.CELERY_BEAT_SCHEDULE,
        **{job.name: job.entry() for job in _JOBS.values()},
    }
