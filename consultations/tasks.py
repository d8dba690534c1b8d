"""Periodic jobs of the consultations app (thin: each calls one service)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def consultations_announce_opened_task() -> int:
    """Notify residents of consultations that opened since the last run (safe to run twice)."""
    from consultations.services import consultations_announce_opened

    return consultations_announce_opened()
