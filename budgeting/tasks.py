"""Periodic jobs of participatory budgeting (thin: they call one service)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def processes_advance_due_task() -> int:
    """Move budget processes on when a date of their schedule passes; safe to run twice."""
    from budgeting.services import processes_advance_due

    return len(processes_advance_due())
