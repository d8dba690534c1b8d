"""Celery tasks of the alerts app: thin, ids only; they own the retry policy."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=8,
)
def alert_message_fan_out_task(self, message_id: int) -> None:
    """Create a published message's deliveries (idempotent: a rerun adds only the missing)."""
    from alerts.services import alert_message_fan_out

    alert_message_fan_out(message_id=message_id)


@shared_task(acks_late=True)
def alerts_fan_outs_sweep_task() -> None:
    """Beat job: restart fan-outs that a killed worker or a broker outage left unfinished."""
    from alerts.services import fan_outs_sweep

    fan_outs_sweep()


@shared_task(acks_late=True)
def alerts_expire_task() -> None:
    """Beat job: alerts past their expiry time become expired (the banner never waits)."""
    from alerts.services import alerts_expire

    alerts_expire()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=8,
)
def callout_fan_out_task(self, callout_id: int) -> None:
    """Ask a call-out's volunteers (idempotent: a rerun adds only the missing messages)."""
    from alerts.services.volunteers import callout_fan_out

    callout_fan_out(callout_id=callout_id)


@shared_task(acks_late=True)
def callout_fan_outs_sweep_task() -> None:
    """Beat job: restart call-out fan-outs left unfinished."""
    from alerts.services.volunteers import callout_fan_outs_sweep

    callout_fan_outs_sweep()
