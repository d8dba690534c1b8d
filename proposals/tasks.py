"""Periodic jobs of idea proposals (one beat schedule in settings; each safe to run twice)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def ideas_forward_task() -> list[int]:
    from proposals.services import ideas_forward

    return ideas_forward().ideas


@shared_task(acks_late=True)
def ideas_archive_inactive_task() -> int:
    from proposals.services import ideas_archive_inactive

    return ideas_archive_inactive()
