"""The in-app inbox's writes."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from civicportal.accounts.models import User
from civicportal.notifications.models import ChannelName, Delivery


def inbox_mark_read(*, user: User, delivery_ids: Sequence[int] | None = None) -> int:
    """Mark the user's unread inbox items read (all of them when no ids are given).

    One conditional UPDATE scoped to the user's own items; returns how many changed.
    """
    items = Delivery.objects.filter(
        recipient=user,
        channel=ChannelName.INBOX,
        status=Delivery.Status.SENT,
        read_at__isnull=True,
    )
    if delivery_ids is not None:
        items = items.filter(id__in=delivery_ids)
    return items.update(read_at=timezone.now())
