"""The in-app inbox: the inbox channel's Delivery rows are the inbox items themselves.

Sending one makes it visible (status ``sent``); ``read_at`` records reading. The text is
rendered when it is shown, in the reader's language (``rendering.message_render``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from civicportal.notifications.channels.base import Pacer, SendResult

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery


class InboxChannel:
    """Every signed-up resident has an inbox; there is no address and no far side."""

    def address_for(self, user: User) -> str | None:
        return ""

    def send_batch(self, deliveries: Iterable[Delivery], *, pacer: Pacer) -> Iterator[SendResult]:
        for delivery in deliveries:
            pacer.acquire()
            yield SendResult.sent(delivery.pk)
