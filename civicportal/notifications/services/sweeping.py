"""The sweeper and the admin's re-queue: nothing is lost.

``deliveries_sweep`` (beat, every 30 s) re-queues rows left ``pending`` (a lost broker
message, a broker that was down at commit) or ``sending`` past their lease (a killed
worker).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicportal.notifications.models import Delivery
from civicportal.notifications.services.events import deliveries_enqueue_on_commit

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepSummary:
    reset: int = 0
    requeued: int = 0


def deliveries_sweep() -> SweepSummary:
    """Re-queue deliveries that no worker is going to send.

    1. Rows ``sending`` whose lease (``claimed_at``) is older than
       ``NOTIFICATIONS_SENDING_STALE_AFTER`` go back to ``pending``, unqueued: one UPDATE
       whose condition includes ``claimed_at``, re-checked under each row's lock, so a
       worker that renewed its lease in the meantime keeps its rows.
    2. Up to ``NOTIFICATIONS_SWEEP_BATCH`` rows ``pending`` and unqueued, or queued longer
       ago than ``NOTIFICATIONS_PENDING_STALE_AFTER``, are locked with FOR UPDATE SKIP
       LOCKED, stamped queued now, and enqueued on commit.

    Safe to run twice, even at once: a concurrent sweep skips the locked rows and then sees
    them freshly queued; a row enqueued twice is still claimed, and sent, once.
    Precondition: not inside a transaction (the enqueue happens on this function's commit).
    """
    now = timezone.now()
    summary = SweepSummary()
    summary.reset = Delivery.objects.filter(
        status=Delivery.Status.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.NOTIFICATIONS_SENDING_STALE_AFTER),
    ).update(
        status=Delivery.Status.PENDING,
        claim_token=None,
        queued_at=None,
        last_error="the claim expired: the worker stopped before reporting",
    )
    pending_cutoff = now - timedelta(seconds=settings.NOTIFICATIONS_PENDING_STALE_AFTER)
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.PENDING)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=pending_cutoff))
            .order_by("id")
            .values_list("id", flat=True)[: settings.NOTIFICATIONS_SWEEP_BATCH]
        )
        if ids:
            summary.requeued = Delivery.objects.filter(
                id__in=ids, status=Delivery.Status.PENDING
            ).update(queued_at=now)
            _enqueue_on_commit_by_urgency(ids)
    if summary.reset or summary.requeued:
        logger.info(
            "Notification sweep: %d stale claims reset, %d deliveries re-queued",
            summary.reset,
            summary.requeued,
        )
    return summary


@transaction.atomic
def deliveries_requeue(*, delivery_ids: Sequence[int]) -> int:
    """Give failed deliveries another go (staff, from the admin); enqueued on commit.

    Only rows still ``failed`` change (a conditional UPDATE); returns how many.
    """
    now = timezone.now()
    count = Delivery.objects.filter(id__in=delivery_ids, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, queued_at=now, claim_token=None
    )
    if count:
        ids = list(
            Delivery.objects.filter(
                id__in=delivery_ids, status=Delivery.Status.PENDING, queued_at=now
            ).values_list("id", flat=True)
        )
        _enqueue_on_commit_by_urgency(ids)
    return count


def _enqueue_on_commit_by_urgency(delivery_ids: Sequence[int]) -> None:
    """Enqueue rows of urgent and other events apart, each to its queue, on commit."""
    rows = Delivery.objects.filter(id__in=delivery_ids).order_by("id")
    for is_urgent in (True, False):
        deliveries_enqueue_on_commit(
            rows=list(rows.filter(event__urgent=is_urgent).values_list("id", "channel")),
            urgent=is_urgent,
        )
