"""Creating events and their deliveries, and handing the deliveries to workers.

``event_create`` runs inside the caller's transaction, so an event exists exactly when the
change it announces was committed; its deliveries are enqueued only on commit, urgent ones
on their channel's own urgent queue. Sending is in ``sending``; the sweeper in ``sweeping``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import islice

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from civicportal.accounts.models import User
from civicportal.notifications.channels import Channel, channel_get
from civicportal.notifications.models import (
    Delivery,
    DigestItem,
    Event,
    Subscriber,
    validate_kind,
)
from civicportal.notifications.rendering import context_validate
from civicportal.notifications.services.preferences import topic_event_create

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
    subscribers: Iterable[Subscriber] = (),
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

    ``subscribers`` are people without an account: each confirmed one gets one delivery on
    their own channel (email or SMS) at their own address; unconfirmed ones get nothing.
    Their channel must have a backend, like any other.

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
        rows: list[tuple[int | None, int | None, str, str]] = []
        inserted: list[tuple[int, str]] = []
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
                rows.append((user.pk, None, channel, address))
            inserted += _pending_insert(event, rows, now=now)
            rows = []
            if digest_items:
                DigestItem.objects.bulk_create(digest_items, ignore_conflicts=True)
                digest_items = []
        for batch in _batches(iter(subscribers), _INSERT_BATCH):
            for subscriber in batch:
                if subscriber.confirmed_at is None:
                    continue
                backend(subscriber.channel)
                rows.append((None, subscriber.pk, subscriber.channel, subscriber.address))
            inserted += _pending_insert(event, rows, now=now)
            rows = []
        for channel, address in broadcasts:
            backend(channel)
            rows.append((None, None, channel, address))
        inserted += _pending_insert(event, rows, now=now)
        if connection.vendor == "postgresql":
            new_rows = sorted(inserted)
        else:
            new_rows = list(
                Delivery.objects.filter(event=event, status=Delivery.Status.PENDING, queued_at=now)
                .order_by("id")
                .values_list("id", "channel")
            )
        deliveries_enqueue_on_commit(rows=new_rows, urgent=event.urgent)
    return event


def topic_notice_create(
    *,
    topic: str,
    recipients: Iterable[User],
    subject: str,
    body: str,
    params: dict,
    url: str,
    idempotency_key: str,
    source: models.Model | None = None,
    action: str = gettext_noop("Open"),
) -> Event:
    """A notice on a registered topic: ``topic_event_create`` with the usual message (a
    subject, a body, and a button that opens ``url``).

    ``subject``, ``body`` and ``action`` are msgids (marked with ``gettext_noop``): each
    recipient reads them in their own language, filled in from ``params``. Same
    preconditions as ``event_create``: call it inside the transaction of the change it
    announces.
    """
    return topic_event_create(
        topic=topic,
        recipients=recipients,
        context={
            "subject": subject,
            "body": body,
            "params": params,
            "url": url,
            "action": action,
        },
        idempotency_key=idempotency_key,
        source=source,
    )


# Pending rows in one statement per batch, with the ids of those inserted (a conflict with
# an existing row inserts nothing): no model instance per row, no second query to find them.
_PENDING_INSERT_SQL = (
    f"INSERT INTO {Delivery._meta.db_table} "  # noqa: S608 - the table name is ours
    "(event_id, recipient_id, subscriber_id, channel, address, status, attempts, last_error, "
    "created_at, queued_at, message_id) "
    "SELECT %s, v.recipient_id, v.subscriber_id, v.channel, v.address, %s, 0, '', %s, %s, '' "
    "FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[]) "
    "AS v(recipient_id, subscriber_id, channel, address) "
    "ON CONFLICT DO NOTHING RETURNING id, channel"
)


def _pending_insert(
    event: Event, rows: list[tuple[int | None, int | None, str, str]], *, now
) -> list[tuple[int, str]]:
    """Insert ``(recipient id, subscriber id, channel, address)`` rows as pending deliveries
    queued ``now``, skipping any that would repeat one; returns the inserted ``(id,
    channel)`` on PostgreSQL (elsewhere nothing: the caller finds them by ``queued_at``)."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        Delivery.objects.bulk_create(
            [
                Delivery(
                    event=event,
                    recipient_id=recipient_id,
                    subscriber_id=subscriber_id,
                    channel=channel,
                    address=address,
                    created_at=now,
                    queued_at=now,
                )
                for recipient_id, subscriber_id, channel, address in rows
            ],
            ignore_conflicts=True,
            batch_size=_INSERT_BATCH,
        )
        return []
    inserted: list[tuple[int, str]] = []
    for start in range(0, len(rows), _INSERT_BATCH):
        columns = [
            list(column) for column in zip(*rows[start : start + _INSERT_BATCH], strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                _PENDING_INSERT_SQL,
                [event.pk, Delivery.Status.PENDING.value, now, now, *columns],
            )
            inserted += cursor.fetchall()
    return inserted


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


# The channels that wake a phone go first when an urgent batch is handed over (each has
# its own queue, so this only orders a few enqueue calls); then the rest, by name.
_WAKING_CHANNELS = ("push", "sms")


def delivery_queue(*, urgent: bool, channel: str | None) -> str | None:
    """The queue of a chunk of deliveries: an urgent event's go to their channel's own
    urgent queue (``urgent.<channel>``, settings.URGENT_CHANNEL_QUEUES), or to the urgent
    queue for a channel without one; the rest to the default queue (None)."""
    if not urgent:
        return None
    if channel in settings.URGENT_CHANNEL_QUEUES:
        return f"{settings.URGENT_QUEUE}.{channel}"
    return settings.URGENT_QUEUE


def deliveries_enqueue_on_commit(*, rows: Sequence[tuple[int, str]], urgent: bool) -> None:
    """On commit, hand ``(delivery id, channel)`` rows to workers: an urgent event's rows
    channel by channel, each channel to its own queue; the others all to the default one."""
    if not rows:
        return
    if not urgent:
        ids = [delivery_id for delivery_id, _channel in rows]
        transaction.on_commit(
            partial(deliveries_enqueue, delivery_ids=ids, urgent=False), robust=True
        )
        return
    by_channel: dict[str, list[int]] = {}
    for delivery_id, channel in rows:
        by_channel.setdefault(channel, []).append(delivery_id)
    order = sorted(
        by_channel,
        key=lambda c: (_WAKING_CHANNELS.index(c) if c in _WAKING_CHANNELS else 99, c),
    )
    for channel in order:
        transaction.on_commit(
            partial(
                deliveries_enqueue, delivery_ids=by_channel[channel], urgent=True, channel=channel
            ),
            robust=True,
        )


def deliveries_enqueue(
    *, delivery_ids: Sequence[int], urgent: bool = False, channel: str | None = None
) -> int:
    """Hand deliveries to workers, one task per chunk of ``NOTIFICATIONS_CHUNK_SIZE`` ids.

    Urgent events' chunks go to the queue of their ``channel`` (``delivery_queue``), which
    only alert work uses, so they never wait behind a backlog, nor behind another channel.

    Call it only after the rows are committed (from ``transaction.on_commit``). Never
    raises for an unreachable broker: it logs, marks the rows not yet handed over as
    unqueued (``queued_at`` null) so that the next sweep takes them at once, and returns
    how many chunks were enqueued.
    """
    from civicportal.notifications.services.sending import alert_sending_mark
    from civicportal.notifications.tasks import deliveries_send_task

    queue = delivery_queue(urgent=urgent, channel=channel)
    chunks = list(_chunks(delivery_ids, settings.NOTIFICATIONS_CHUNK_SIZE))
    if urgent and chunks:
        alert_sending_mark()
    for done, chunk in enumerate(chunks):
        try:
            deliveries_send_task.apply_async(
                args=(chunk,), kwargs={"urgent": True} if urgent else {}, queue=queue
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
