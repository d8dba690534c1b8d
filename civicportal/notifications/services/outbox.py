"""The outbox: create events, claim and send deliveries, sweep, and the inbox's writes.

The guarantees, and what each function needs from its caller:

- ``event_create`` runs inside the caller's transaction, so an event exists exactly when
  the change it announces was committed. Its deliveries are enqueued only on commit.
- A delivery is sent only by the worker that moved it from ``pending`` to ``sending`` with
  a conditional UPDATE (``deliveries_claim``), so a duplicated or retried task never sends
  it twice. Each result is committed as soon as the far side answers, so a worker killed
  mid-batch leaves at most the message in flight to be sent again (with the same
  Message-ID).
- ``deliveries_sweep`` (beat, every 30 s) re-queues rows left ``pending`` (a lost broker
  message, a broker that was down at commit) or ``sending`` past their lease (a killed
  worker), so nothing is lost.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from itertools import islice

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from civicportal.accounts.models import User
from civicportal.notifications.channels import Channel, TransientSendError, channel_get
from civicportal.notifications.models import (
    ChannelName,
    Delivery,
    DigestItem,
    Event,
    validate_kind,
)
from civicportal.notifications.pacing import channel_pause, pacer_for
from civicportal.notifications.rendering import context_validate

logger = logging.getLogger(__name__)

_INSERT_BATCH = 1000
_RECIPIENT_FETCH = 2000


# --- Creating events --------------------------------------------------------------------


def event_create(
    *,
    kind: str,
    recipients: Iterable[User],
    channels_for: Callable[[User], Iterable[str]],
    context: dict,
    idempotency_key: str,
    urgent: bool = False,
    source: models.Model | None = None,
    broadcasts: Iterable[tuple[str, str]] = (),
    digest_for: Callable[[User], str | None] | None = None,
) -> Event:
    """Record an event and one pending Delivery per recipient and channel; send on commit.

    Call it inside the transaction of the change it announces (it opens a savepoint of its
    own). ``channels_for(user)`` names the channels each recipient gets; a channel whose
    backend has no address for a user (``address_for`` returns None) is skipped for them,
    and inactive users are skipped. ``broadcasts`` are ``(channel, address)`` pairs sent to
    no person (the council's social media accounts). ``recipients`` may be a QuerySet; it
    is read in batches, and deliveries are bulk-inserted in batches. Addresses are looked
    up per batch (a backend's ``addresses_for``), so the query count grows with the number
    of batches, not of recipients.

    ``digest_for(user)`` (optional) names the digest (``daily``/``weekly``) a recipient
    gathers this event into instead of an immediate email (a ``DigestItem`` row; see
    ``digests_send``); it is ignored for urgent events, which are never delayed.
    ``channels_for_recipients`` gives both callables from residents' preferences.

    Idempotent: the event is looked up by ``idempotency_key`` (unique), and deliveries are
    inserted with ON CONFLICT DO NOTHING against the unique (event, recipient, channel) and
    (event, channel, address) constraints, so a repeated call, or two concurrent ones,
    leave one row per recipient and channel; a repeated call only adds recipients that
    were missing. Once the outermost transaction commits, the new rows are handed to
    workers in chunks of ``NOTIFICATIONS_CHUNK_SIZE`` ids; if the broker is unreachable
    then, the sweeper sends them later.

    Raises ``ValidationError`` for a bad kind, a context that cannot be rendered, or an
    idempotency key already used by another kind, and ``ImproperlyConfigured`` for a
    channel without a backend.
    """
    validate_kind(kind)
    context_validate(context)
    backends: dict[str, Channel] = {}

    def backend(channel: str) -> Channel:
        if channel not in backends:
            backends[channel] = channel_get(channel)
        return backends[channel]

    with transaction.atomic():
        event, created = Event.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "kind": kind,
                "urgent": urgent,
                "context": context,
                "source_content_type": (
                    ContentType.objects.get_for_model(source) if source is not None else None
                ),
                "source_object_id": str(source.pk) if source is not None else "",
            },
        )
        if not created and event.kind != kind:
            raise ValidationError(
                f"The idempotency key {idempotency_key!r} already names a {event.kind} event."
            )
        # Every row inserted by this call carries this exact queued_at: that is how the
        # ids of *this call's* rows are found again (bulk inserts that ignore conflicts do
        # not return ids).
        now = timezone.now()
        rows: list[Delivery] = []
        digest_items: list[DigestItem] = []
        for batch in _batches(_iterate(recipients), _INSERT_BATCH):
            wanted: list[tuple[User, str]] = []
            by_channel: dict[str, list[User]] = {}
            for user in batch:
                if not user.is_active:
                    continue
                frequency = digest_for(user) if digest_for is not None and not urgent else None
                if frequency:
                    digest_items.append(
                        DigestItem(user=user, event=event, frequency=frequency, created_at=now)
                    )
                for channel in dict.fromkeys(channels_for(user)):
                    wanted.append((user, channel))
                    by_channel.setdefault(channel, []).append(user)
            addresses = {
                channel: _addresses(backend(channel), users)
                for channel, users in by_channel.items()
            }
            for user, channel in wanted:
                address = addresses[channel].get(user.pk)
                if address is None:
                    continue
                rows.append(
                    Delivery(
                        event=event,
                        recipient=user,
                        channel=channel,
                        address=address,
                        created_at=now,
                        queued_at=now,
                    )
                )
            Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=_INSERT_BATCH)
            rows = []
            if digest_items:
                DigestItem.objects.bulk_create(digest_items, ignore_conflicts=True)
                digest_items = []
        for channel, address in broadcasts:
            backend(channel)
            rows.append(
                Delivery(
                    event=event,
                    recipient=None,
                    channel=channel,
                    address=address,
                    created_at=now,
                    queued_at=now,
                )
            )
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=_INSERT_BATCH)
        new_ids = list(
            Delivery.objects.filter(event=event, status=Delivery.Status.PENDING, queued_at=now)
            .order_by("id")
            .values_list("id", flat=True)
        )
        if new_ids:
            transaction.on_commit(
                partial(deliveries_enqueue, delivery_ids=new_ids, urgent=event.urgent),
                robust=True,
            )
    return event


def _iterate(recipients: Iterable[User]) -> Iterable[User]:
    if isinstance(recipients, models.QuerySet):
        return recipients.iterator(chunk_size=_RECIPIENT_FETCH)
    return recipients


def _batches(users: Iterable[User], size: int) -> Iterable[list[User]]:
    iterator = iter(users)
    while batch := list(islice(iterator, size)):
        yield batch


def _addresses(backend: Channel, users: list[User]) -> dict[int, str]:
    """``{user id: address}`` for the reachable ``users``: one call for backends that can."""
    bulk = getattr(backend, "addresses_for", None)
    if bulk is not None:
        return bulk(users)
    found = {}
    for user in users:
        address = backend.address_for(user)
        if address is not None:
            found[user.pk] = address
    return found


def _chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


def deliveries_enqueue(*, delivery_ids: Sequence[int], urgent: bool = False) -> int:
    """Hand deliveries to workers, one task per chunk of ``NOTIFICATIONS_CHUNK_SIZE`` ids.

    Urgent events' chunks go to the urgent queue (``settings.URGENT_QUEUE``), which every
    worker serves in turn with the default one, so they never wait behind a backlog.

    Call it only after the rows are committed (from ``transaction.on_commit``). Never
    raises for an unreachable broker: it logs, marks the rows not yet handed over as
    unqueued (``queued_at`` null) so that the next sweep takes them at once, and returns
    how many chunks were enqueued.
    """
    from civicportal.notifications.tasks import deliveries_send_task

    chunks = list(_chunks(delivery_ids, settings.NOTIFICATIONS_CHUNK_SIZE))
    for done, chunk in enumerate(chunks):
        try:
            deliveries_send_task.apply_async(
                args=(chunk,), queue=settings.URGENT_QUEUE if urgent else None
            )
        except Exception:
            left = [delivery_id for rest in chunks[done:] for delivery_id in rest]
            logger.exception(
                "Could not enqueue %d notification deliveries; the sweeper will send them",
                len(left),
            )
            try:
                Delivery.objects.filter(id__in=left, status=Delivery.Status.PENDING).update(
                    queued_at=None
                )
            except Exception:  # the sweeper's age test still finds them, a little later
                logger.exception("Could not mark %d deliveries as unqueued", len(left))
            return done
    return len(chunks)


# --- Sending ----------------------------------------------------------------------------


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
    claimed rows (with event and recipient loaded); rows another worker holds, or that are
    already sent or failed, are left out. Runs in autocommit so the claim is visible to
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
        .select_related("recipient")
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
    result and each release must be committed the moment it happens, or a crash would
    forget that a message went out.

    Each channel's rows go through its backend in one batch (one SMTP connection for all
    the chunk's emails), paced by the channel's rate. A sent row is marked ``sent`` (with
    its Message-ID) right after the far side accepted it; a permanent refusal marks it
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
    other worker at once, so a killed worker repeats only the message in flight. What it
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
            try:
                for result in backend.send_batch(channel_rows, pacer=pacer_for(channel)):
                    if unreported.pop(result.delivery_id, None) is None:
                        continue  # not one of this batch's rows: ignore a confused backend
                    if result.ok:
                        summary.sent += marker.mark(result.delivery_id, result.message_id)
                    else:
                        summary.failed += _mark_failed(result.delivery_id, token, result.error)
                    lease.renew_if_due()
            except TransientSendError as exc:
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
            for row in channel_rows:
                if unreported.pop(row.pk, None) is not None:
                    summary.failed += _mark_failed(row.pk, token, "the channel gave no result")
    finally:
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


class _SentMarker:
    """Marks rows sent, one committed UPDATE per message, as cheaply as it can be done.

    Not conditional on the claim token: once the far side has the message, the row is
    sent, even if the sweeper meanwhile judged the claim stale. Never sent twice over.
    It runs once per message and is committed before the next send (that bounds the
    repeats after a crash to the message in flight), so it skips the ORM's query building
    (this is ``filter(id=...).exclude(status=SENT).update(...)`` written out once) and, on
    PostgreSQL, sends the statement prepared with server-side parameters on the same
    connection (still autocommit; Django's cursor would re-quote it on every call).
    """

    def __init__(self) -> None:
        self._cursor = None
        if connection.vendor == "postgresql":
            import psycopg

            connection.ensure_connection()
            self._cursor = psycopg.Cursor(connection.connection)

    def mark(self, delivery_id: int, message_id: str) -> int:
        sent = Delivery.Status.SENT
        params = [sent, timezone.now(), message_id[:255], delivery_id, sent]
        if self._cursor is None:
            with connection.cursor() as cursor:
                cursor.execute(_MARK_SENT_SQL, params)
                return cursor.rowcount
        self._cursor.execute(_MARK_SENT_SQL, params, prepare=True)
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


# --- Sweeping ---------------------------------------------------------------------------


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
    urgent = set(
        Delivery.objects.filter(id__in=delivery_ids, event__urgent=True).values_list(
            "id", flat=True
        )
    )
    for is_urgent in (True, False):
        ids = [pk for pk in delivery_ids if (pk in urgent) is is_urgent]
        if ids:
            transaction.on_commit(
                partial(deliveries_enqueue, delivery_ids=ids, urgent=is_urgent), robust=True
            )


# --- Inbox ------------------------------------------------------------------------------


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
