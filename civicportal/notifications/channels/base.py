"""The interface every channel backend implements, and what it reports back.

A backend is a class named in ``settings.NOTIFICATIONS_CHANNELS`` (channel name → dotted
path), built with no arguments. ``send_batch`` receives rows that the caller has already
claimed (status ``sending``) and yields one ``SendResult`` per row *as each is done*: the
caller records each result before asking for the next, which is what bounds the repeats
after a crash to the message that was in flight.

A backend may let the caller hold up to ``results_held`` of its results (default 1) and
record them in one write: worth it where a repeat is harmless and sending is cheaper than a
database write per message (web push, whose repeat replaces the first on the phone).

A backend reports:

- success or a permanent failure of one row by yielding a ``SendResult``;
- a transient failure (relay or gateway unreachable, SMTP 4xx, HTTP 429/503) by raising
  ``TransientSendError``: the row being sent and every row not yet reported go back to
  ``pending`` and are tried again later, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery


class TransientSendError(Exception):
    """The far side cannot take messages right now; try the unsent rows again later.

    ``retry_after`` (seconds) is the far side's own hint (an HTTP ``Retry-After``), if any:
    every worker then holds off that channel for that long.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one delivery. ``error`` is set exactly when ``ok`` is false."""

    delivery_id: int
    ok: bool
    message_id: str = ""
    error: str = ""

    @classmethod
    def sent(cls, delivery_id: int, message_id: str = "") -> SendResult:
        return cls(delivery_id=delivery_id, ok=True, message_id=message_id)

    @classmethod
    def failed(cls, delivery_id: int, error: str) -> SendResult:
        return cls(delivery_id=delivery_id, ok=False, error=error or "failed")


class Pacer(Protocol):
    """Hands out the channel's send rate; a backend calls ``acquire`` before each send."""

    def acquire(self, count: int = 1) -> None: ...


@runtime_checkable
class Channel(Protocol):
    """A way to reach people: email, web push, SMS, the in-app inbox, social media."""

    def address_for(self, user: User) -> str | None:
        """The address to snapshot for ``user``, or None when they cannot be reached here."""
        ...

    def send_batch(self, deliveries: Iterable[Delivery], *, pacer: Pacer) -> Iterator[SendResult]:
        """Send claimed deliveries (``event`` and ``recipient`` loaded), yielding each result.

        One connection (SMTP session, HTTP session) serves the whole batch. Raises
        ``TransientSendError`` to stop; rows without a yielded result are then retried.
        """
        ...
