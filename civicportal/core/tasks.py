"""Platform tasks: housekeeping run by beat, and a ping that proves a worker is alive."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def session_clear_expired_task() -> None:
    from civicportal.core.services import session_clear_expired

    session_clear_expired()


@shared_task(acks_late=True)
def ping_task(token: str) -> None:
    from civicportal.core.services import ping_record

    ping_record(token=token)
