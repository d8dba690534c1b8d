"""Celery tasks of the notification engine: thin, with ids only; they own the retry policy."""

from __future__ import annotations

import os

from celery import shared_task
from celery.signals import worker_init
from django.conf import settings

from civicportal.notifications.channels.base import TransientSendError


@worker_init.connect
def worker_preload(sender=None, **kwargs) -> None:
    """Before a worker forks its pool: load the channel backends, the catalogues and the
    email templates once, so no pool process pays for them on an alert's first message;
    and, in a worker that serves no alert queue, lower its priority
    (``worker_deprioritise``) and let its ordinary deliveries wait while an alert is being
    sent (``sending.alert_sending_wait``)."""
    from civicportal.notifications.channels import channels_preload
    from civicportal.notifications.rendering import rendering_preload

    channels_preload()
    rendering_preload()
    if sender is not None:
        from civicportal.notifications.services import sending

        queues = list(sender.app.amqp.queues.consume_from)
        sending.worker_serves_alerts = serves_alert_queue(queues)
        worker_deprioritise(queues)


def serves_alert_queue(queues: list[str]) -> bool:
    urgent = settings.URGENT_QUEUE
    return any(name == urgent or name.startswith(f"{urgent}.") for name in queues)


def worker_deprioritise(queues: list[str]) -> int:
    """Give a worker that serves none of the alert queues the niceness
    ``WORKER_BACKGROUND_NICENESS``; returns the niceness it runs at.

    On a machine its workers share, the operating system then gives the CPU to the alert
    workers first whenever both have work: a backlog of 100,000 digest emails takes what
    the alerts leave over, instead of half of it. A worker that serves an alert queue (or
    every queue, started without ``--queues``) keeps its priority. Called before the pool
    forks, so the pool processes inherit it.
    """
    if serves_alert_queue(queues) or settings.WORKER_BACKGROUND_NICENESS <= 0:
        return os.nice(0)
    return os.nice(settings.WORKER_BACKGROUND_NICENESS)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(TransientSendError,),
    retry_backoff=True,
    retry_backoff_max=settings.NOTIFICATIONS_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=settings.NOTIFICATIONS_MAX_RETRIES,
)
def deliveries_send_task(self, delivery_ids: list[int], urgent: bool = False) -> None:
    """Send one chunk of deliveries; a transient failure retries the chunk with backoff.

    The retry sends only what is still pending (the claim decides); once retries run out
    the rows stay pending and the sweeper re-queues them. An alert's chunk (``urgent``)
    marks an alert as being sent; an ordinary one first waits out such a mark in a worker
    that serves no alert queue (``sending.alert_sending_wait``).
    """
    from civicportal.notifications.services import deliveries_send
    from civicportal.notifications.services.sending import (
        alert_sending_mark,
        alert_sending_wait,
    )

    if urgent:
        alert_sending_mark()
    else:
        alert_sending_wait()
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


@shared_task(acks_late=True)
def subscribers_purge_unconfirmed_task() -> None:
    """Beat job (hourly): delete sign-ups without an account that nobody confirmed in time."""
    from civicportal.notifications.services import subscribers_purge_unconfirmed

    subscribers_purge_unconfirmed()
