"""Celery tasks of the notification engine: thin, with ids only; they own the retry policy."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_init
from django.conf import settings

from civicportal.notifications.channels.base import TransientSendError


@worker_init.connect
def worker_preload(**kwargs) -> None:
    """Before a worker forks its pool: load the channel backends, the catalogues and the
    email templates once, so no pool process pays for them on an alert's first message."""
    from civicportal.notifications.channels import channels_preload
    from civicportal.notifications.rendering import rendering_preload

    channels_preload()
    rendering_preload()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(TransientSendError,),
    retry_backoff=True,
    retry_backoff_max=settings.NOTIFICATIONS_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=settings.NOTIFICATIONS_MAX_RETRIES,
)
def deliveries_send_task(self, delivery_ids: list[int]) -> None:
    """Send one chunk of deliveries; a transient failure retries the chunk with backoff.

    The retry sends only what is still pending (the claim decides); once retries run out
    the rows stay pending and the sweeper re-queues them.
    """
    from civicportal.notifications.services import deliveries_send

    deliveries_send(delivery_ids=delivery_ids)


@shared_task(acks_late=True)
def deliveries_sweep_task() -> None:
    """Beat job (every 30 s): re-queue deliveries left pending or stuck in sending."""
    from civicportal.notifications.services import deliveries_sweep

    deliveries_sweep()


@shared_task(acks_late=True)
def digests_send_daily_task() -> None:
    """Beat job (daily): one digest email per resident with waiting daily notices."""
    from civicportal.notifications.models import Frequency
    from civicportal.notifications.services import digests_send

    digests_send(frequency=Frequency.DAILY)


@shared_task(acks_late=True)
def digests_send_weekly_task() -> None:
    """Beat job (weekly): one digest email per resident with waiting weekly notices."""
    from civicportal.notifications.models import Frequency
    from civicportal.notifications.services import digests_send

    digests_send(frequency=Frequency.WEEKLY)
