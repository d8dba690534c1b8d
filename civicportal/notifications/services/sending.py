"""Claiming and sending deliveries: what a worker does with a chunk.

A delivery is sent only by the worker that moved it from ``pending`` to ``sending`` with a
conditional UPDATE (``deliveries_claim``), so a duplicated or retried task never sends it
twice. Each result is committed as soon as the far side answers (web push: a few at a time,
within 50 ms), so a worker killed mid-batch leaves only the messages in flight to be sent
again (with the same Message-ID or push Topic): one email, or up to
``NOTIFICATIONS_PUSH_CONCURRENCY`` pushes and the results not yet written.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from civicportal.notifications.channels import TransientSendError, channel_get
from civicportal.notifications.models import Delivery, Event
from civicportal.notifications.pacing import channel_pause, pacer_for

logger = logging.getLogger(__name__)


# --- Alerts first ---------------------------------------------------------------------------

# While an alert's messages are being sent, a worker that serves no alert queue holds its
# ordinary deliveries back, so the alert has the machine, the database and the mail relay to
# itself. Each urgent chunk (when queued and when it starts) renews a shared mark for
# ``_ALERT_MARK_SECONDS``; once the alert's last chunk is done the mark lapses and the
# backlog goes on. A worker that also serves the alert queues never waits (it would hold a
# process the alert needs): its queues are taken in turn instead.
_ALERT_MARK_KEY = "notifications:alert-sending"
_ALERT_MARK_SECONDS = 15
_YIELD_POLL_SECONDS = 0.5

# Set when a worker starts (tasks.worker_preload): whether it serves an alert queue. True
# everywhere else (the web process, eager tasks, tests), where nothing ever waits.
worker_serves_alerts = True


def alert_sending_mark() -> None:
    """Tell every worker that an alert's messages are being sent (for a few seconds)."""
    try:
        cache.set(_ALERT_MARK_KEY, 1, timeout=_ALERT_MARK_SECONDS)
    except Exception:  # advice only: the alert is sent whether or not others step aside
        logger.warning("Could not mark an alert as being sent", exc_info=True)


def alert_sending_wait(*, max_wait: float | None = None) -> float:
    """In a worker that serves no alert queue, wait while an alert is being sent, at most
    ``NOTIFICATIONS_YIELD_MAX_WAIT`` seconds; returns the seconds waited."""
    if worker_serves_alerts:
        return 0.0
    limit = settings.NOTIFICATIONS_YIELD_MAX_WAIT if max_wait is None else max_wait
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if not cache.get(_ALERT_MARK_KEY):
                break
        except Exception:
            break
        time.sleep(_YIELD_POLL_SECONDS)
    return time.monotonic() - started


@dataclass(slots=True)
class SendSummary:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    released: int = 0


def deliveries_claim(*, delivery_ids: Sequence[int]) -> tuple[uuid.UUID, list[Delivery]]:
    """Take the still-pending rows among ``delivery_ids`` for this caller alone.

    One conditional UPDATE (``status = pending`` → ``sending``, attempts + 1, a fresh claim
    token) decides: PostgreSQL re-checks the condition under each row's lock, so of any
    number of concurrent claims of a row exactly one gets it. Returns the token and the
    claimed rows (with event, recipient and subscriber loaded); rows another worker holds,
    or that are already sent or failed, are left out. Runs in autocommit so the claim is visible to
    every other worker at once.
    """
    token = uuid.uuid4()
    claimed = Delivery.objects.filter(id__in=delivery_ids, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING,
        claimed_at=timezone.now(),
        claim_token=token,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return token, []
    rows = list(
        Delivery.objects.filter(id__in=delivery_ids, claim_token=token)
        .select_related("recipient", "subscriber")
        .order_by("id")
    )
    # A chunk is nearly always one event's rows: load each event (and decode its context)
    # once, not once per row.
    events = Event.objects.in_bulk({row.event_id for row in rows})
    for row in rows:
        row.event = events[row.event_id]
    return token, rows


def deliveries_send(*, delivery_ids: Sequence[int]) -> SendSummary:
    """Claim the pending rows among ``delivery_ids`` and send them, channel by channel.

    Precondition: not inside a transaction (raises ``RuntimeError``): each claim, each
    result and each release must be committed when it happens, or a crash would forget
    that a message went out.

    Each channel's rows go through its backend in one batch (one SMTP connection for all
    the chunk's emails), paced by the channel's rate. A sent row is marked ``sent`` (with
    its Message-ID) within moments of the far side accepting it (``_SentMarker``), and
    always before anything is released; a permanent refusal marks it
    ``failed`` with the reason. A ``TransientSendError`` puts the rows not yet reported
    back to ``pending`` and is re-raised once the other channels are done, so the task
    retries with backoff; the sweeper takes over if the retries run out. While a batch is
    being sent, its rows' lease (``claimed_at``) is renewed so the sweeper leaves them be.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "deliveries_send must run outside a transaction: each claim and each result has "
            "to be committed as soon as it happens."
        )
    with _commits_without_flush_wait():
        return _deliveries_send(delivery_ids)


@contextmanager
def _commits_without_flush_wait() -> Iterator[None]:
    """This connection's commits return before the WAL reaches the disk, until the end.

    Each claim and each result is still its own committed statement, visible to every
    other worker at once, so a killed worker repeats only the messages in flight. What it
    gives up is the flush wait (about 0.7 ms a message): a crash of the database server
    can forget the last fraction of a second of results, and those messages then go out
    once more with the same Message-ID. ``NOTIFICATIONS_ASYNC_COMMIT = False`` keeps it.
    The setting is reset afterwards, as the connection may go back to a pool.
    """
    if not settings.NOTIFICATIONS_ASYNC_COMMIT or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with suppress(Exception), connection.cursor() as cursor:  # a broken one is dropped
            cursor.execute("RESET synchronous_commit")


def _deliveries_send(delivery_ids: Sequence[int]) -> SendSummary:
    summary = SendSummary()
    token, rows = deliveries_claim(delivery_ids=delivery_ids)
    summary.claimed = len(rows)
    unreported = {row.pk: row for row in rows}
    by_channel: dict[str, list[Delivery]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row)
    lease = _Lease(token=token, unreported=unreported)
    marker = _SentMarker()
    transient: TransientSendError | None = None
    try:
        for channel, channel_rows in by_channel.items():
            try:
                backend = channel_get(channel)
            except ImproperlyConfigured as exc:
                for row in channel_rows:
                    unreported.pop(row.pk)
                    summary.failed += _mark_failed(row.pk, token, str(exc))
                continue
            marker.held = max(getattr(backend, "results_held", 1), 1)
            try:
                for result in backend.send_batch(channel_rows, pacer=pacer_for(channel)):
                    if unreported.pop(result.delivery_id, None) is None:
                        continue  # not one of this batch's rows: ignore a confused backend
                    if result.ok:
                        summary.sent += marker.add(result.delivery_id, result.message_id)
                    else:
                        summary.failed += _mark_failed(result.delivery_id, token, result.error)
                    lease.renew_if_due()
            except TransientSendError as exc:
                summary.sent += marker.flush()
                if exc.retry_after:
                    channel_pause(channel, exc.retry_after)
                left = [row.pk for row in channel_rows if row.pk in unreported]
                summary.released += _release(left, token, str(exc))
                for delivery_id in left:
                    unreported.pop(delivery_id)
                logger.warning(
                    "Deferred %d %s deliveries: %s", len(left), channel, exc, exc_info=False
                )
                transient = exc
                continue
            summary.sent += marker.flush()
            for row in channel_rows:
                if unreported.pop(row.pk, None) is not None:
                    summary.failed += _mark_failed(row.pk, token, "the channel gave no result")
    finally:
        try:
            summary.sent += marker.flush()  # before any release: these went out
        except Exception:  # the database went away: the sweeper finds them still "sending"
            logger.exception("Could not mark sent deliveries; the sweeper will send them again")
        marker.close()
        # An unexpected error (or a worker shutdown) must not leave claimed rows behind.
        if unreported:
            summary.released += _release(list(unreported), token, "interrupted")
    if transient is not None:
        raise transient
    return summary


class _Lease:
    """Keeps the claimed, not yet reported rows' ``claimed_at`` fresh while a batch runs."""

    def __init__(self, *, token: uuid.UUID, unreported: dict[int, Delivery]) -> None:
        self.token = token
        self.unreported = unreported
        self.every = max(settings.NOTIFICATIONS_SENDING_STALE_AFTER / 3, 1)
        self.renewed = time.monotonic()

    def renew_if_due(self) -> None:
        if time.monotonic() - self.renewed < self.every or not self.unreported:
            return
        Delivery.objects.filter(
            id__in=list(self.unreported), claim_token=self.token, status=Delivery.Status.SENDING
        ).update(claimed_at=timezone.now())
        self.renewed = time.monotonic()


_MARK_SENT_SQL = (
    f"UPDATE {Delivery._meta.db_table} "  # noqa: S608 - the table name is ours, values bound
    "SET status = %s, sent_at = %s, message_id = %s, last_error = '', claim_token = NULL "
    "WHERE id = %s AND status <> %s"
)
# The same for many rows in one statement whatever their number (so it is prepared once):
# the rows' ids, Message-IDs and times as three arrays.
_MARK_MANY_SENT_SQL = (
    f"UPDATE {Delivery._meta.db_table} AS d "  # noqa: S608 - the table name is ours
    "SET status = %s, sent_at = v.sent_at, message_id = v.message_id, last_error = '', "
    "claim_token = NULL "
    "FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[]) AS v(id, message_id, sent_at) "
    "WHERE d.id = v.id AND d.status <> %s"
)


class _SentMarker:
    """Marks rows sent, a few at a time in one committed UPDATE, as cheaply as it can be done.

    Not conditional on the claim token: once the far side has the message, the row is
    sent, even if the sweeper meanwhile judged the claim stale. Never sent twice over.
    A channel's results are written one by one, unless its backend allows ``results_held``
    of them to wait (web push: a statement per message would cost the database and the
    worker more than the push itself); then for at most ``FLUSH_AFTER`` seconds, and
    always before a release or the end of the channel's batch. On PostgreSQL one prepared
    statement marks any number of rows on the worker's own connection (still autocommit);
    elsewhere each row is marked on its own.
    """

    FLUSH_AFTER = 0.05

    def __init__(self) -> None:
        self.held = 1  # results that may wait: the current channel's ``results_held``
        self._cursor = None
        self._pending: list[tuple[int, str, object]] = []
        self._oldest = 0.0
        if connection.vendor == "postgresql":
            import psycopg

            connection.ensure_connection()
            self._cursor = psycopg.Cursor(connection.connection)

    def add(self, delivery_id: int, message_id: str) -> int:
        """Hold one sent row; returns the rows marked if that filled the batch (else 0)."""
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending.append((delivery_id, message_id[:255], timezone.now()))
        if len(self._pending) >= self.held or time.monotonic() - self._oldest >= (self.FLUSH_AFTER):
            return self.flush()
        return 0

    def flush(self) -> int:
        """Mark every held row sent; returns how many rows changed."""
        if not self._pending:
            return 0
        pending, self._pending = self._pending, []  # a failed write is not tried twice
        sent = Delivery.Status.SENT
        if self._cursor is None:
            marked = 0
            with connection.cursor() as cursor:
                for delivery_id, message_id, sent_at in pending:
                    cursor.execute(_MARK_SENT_SQL, [sent, sent_at, message_id, delivery_id, sent])
                    marked += cursor.rowcount
            return marked
        ids, message_ids, times = (list(column) for column in zip(*pending, strict=True))
        self._cursor.execute(
            _MARK_MANY_SENT_SQL, [sent, ids, message_ids, times, sent], prepare=True
        )
        return self._cursor.rowcount

    def close(self) -> None:
        if self._cursor is not None:
            with suppress(Exception):
                self._cursor.close()


def _mark_failed(delivery_id: int, token: uuid.UUID, error: str) -> int:
    return Delivery.objects.filter(
        id=delivery_id, claim_token=token, status=Delivery.Status.SENDING
    ).update(status=Delivery.Status.FAILED, last_error=error[:2000], claim_token=None)


def _release(delivery_ids: list[int], token: uuid.UUID, error: str) -> int:
    """Put claimed rows back to pending; the retrying task (or the sweeper) takes them."""
    if not delivery_ids:
        return 0
    return Delivery.objects.filter(
        id__in=delivery_ids, claim_token=token, status=Delivery.Status.SENDING
    ).update(
        status=Delivery.Status.PENDING,
        claim_token=None,
        last_error=error[:2000],
        queued_at=timezone.now(),
    )
