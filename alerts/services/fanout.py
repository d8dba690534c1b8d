"""Fanning a published message out to its subscribers through the notification engine:
residents with an account and confirmed subscribers without one.

``alert_message_fan_out`` runs in a worker (enqueued on the approval's commit). It walks the
matching subscriptions in pages of ``ALERTS_FANOUT_BATCH`` and calls ``event_create``
(urgent: never batched into a digest) once per page, each in its own short transaction, so
the first deliveries are on their way while later pages are still being written. It writes
the first chunk of every channel, then the channels that wake a phone for everyone, then
email for everyone (see ``alert_message_fan_out``).
The event's idempotency key is fixed per message and language, and ``event_create``
inserts with ON CONFLICT DO NOTHING, so running the fan-out again (a retried task, the
sweeper after a killed worker) adds only the deliveries that are missing: nobody is lost
and nobody gets a message twice."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from alerts.models import AlertMessage, MsgType, Severity
from alerts.selectors import (
    ALERT_TOPIC,
    anonymous_subscriptions_for,
    channels_offered,
    subscriptions_for,
)
from civicportal.accounts.models import User
from civicportal.notifications.channels.social import social_broadcasts
from civicportal.notifications.models import NotificationPreference
from civicportal.notifications.services import event_create

logger = logging.getLogger(__name__)

# Subjects are msgids (each recipient reads them in their own language); the headline and
# the rest are the author's words, filled in as parameters.
SUBJECTS = {
    (MsgType.ALERT, Severity.EXTREME): gettext_noop("Extreme danger: %(headline)s"),
    (MsgType.ALERT, Severity.SEVERE): gettext_noop("Severe warning: %(headline)s"),
    (MsgType.ALERT, Severity.MODERATE): gettext_noop("Warning: %(headline)s"),
    (MsgType.ALERT, Severity.MINOR): gettext_noop("Advisory: %(headline)s"),
    (MsgType.ALERT, Severity.UNKNOWN): gettext_noop("Alert: %(headline)s"),
}
SUBJECT_UPDATE = gettext_noop("Alert update: %(headline)s")
SUBJECT_CANCEL = gettext_noop("All clear: %(headline)s")
SUBJECT_EXERCISE = gettext_noop("EXERCISE, not a real emergency: %(headline)s")
BODY = gettext_noop("%(instruction)s\n\n%(description)s\n\nWhere: %(where)s")
BODY_EXERCISE = gettext_noop(
    "EXERCISE. This is a test of the council's alerts, not a real emergency. "
    "Do not act on it.\n\n%(instruction)s\n\n%(description)s\n\nWhere: %(where)s"
)
ACTION = gettext_noop("Read the alert")


def _where(message: AlertMessage) -> str:
    names = [area.name for area in message.areas.all()]
    if message.area_description:
        names.append(message.area_description)
    return ", ".join(names)


def message_context(message: AlertMessage, *, language: str) -> dict:
    """The notification context of ``message`` in its first or second language.

    The context names its language: the author's words are in that language only, so
    everyone who gets it reads the whole message in it, fixed wording included. A reader
    of a language the message has no text in gets the first language's message whole,
    never a subject half in their language and half in the author's.
    """
    second = language == message.second_language and bool(message.second_headline)
    if message.alert.is_exercise:
        subject, body = SUBJECT_EXERCISE, BODY_EXERCISE
    elif message.msg_type == MsgType.UPDATE:
        subject, body = SUBJECT_UPDATE, BODY
    elif message.msg_type == MsgType.CANCEL:
        subject, body = SUBJECT_CANCEL, BODY
    else:
        subject, body = SUBJECTS[(MsgType.ALERT, message.severity)], BODY
    return {
        "subject": subject,
        "body": body,
        "action": ACTION,
        "language": message.second_language if second else message.language,
        "url": message.alert.get_absolute_url(),
        "params": {
            "headline": message.second_headline if second else message.headline,
            "description": message.second_description if second else message.description,
            "instruction": message.second_instruction if second else message.instruction,
            "where": _where(message),
        },
        # The council's posts of an alert, its updates and its cancellation form one thread.
        "social": {"thread": f"alerts.alert.{message.alert_id}"},
    }


def event_key(message: AlertMessage, language: str) -> str:
    return f"alerts.message.{message.pk}.{language}"


# The channels that wake a phone. Their deliveries are written, and queued, for every
# subscriber before any email is: in a crisis a push or a text must not wait behind 60,000
# emails being written (the workers take the phone queues first, see NOTIFICATIONS_QUEUES).
PHONE_CHANNELS = ("push", "sms")


def alert_message_fan_out(*, message_id: int) -> int:
    """Create the deliveries of a published message; returns the subscribers it reaches.

    Precondition: outside a transaction (each batch commits, and is enqueued, on its own).
    Idempotent (see the module docstring); marks ``fanout_completed_at`` at the end.

    Three passes, each in user-id order: the first chunk of every channel (so each has its
    first delivery queued a moment after approval), then the phone channels for everyone,
    then email for everyone. A rerun repeats the passes and adds only what is missing.
    """
    message = (
        AlertMessage.objects.select_related("alert").prefetch_related("areas").get(pk=message_id)
    )
    if message.state != AlertMessage.State.PUBLISHED:
        return 0
    offered = channels_offered()
    second = message.second_language if message.second_headline else ""
    contexts = {message.language: message_context(message, language=message.language)}
    if second:
        contexts[second] = message_context(message, language=second)
    fan_out = _FanOut(
        message,
        contexts=contexts,
        second=second,
        broadcasts=[] if message.alert.is_exercise else social_broadcasts(),
    )
    subscriptions = subscriptions_for(message)
    phones = [channel for channel in PHONE_CHANNELS if channel in offered]
    later = [channel for channel in offered if channel not in PHONE_CHANNELS]
    anonymous = anonymous_subscriptions_for(message)
    for channel in offered:
        fan_out.residents(
            subscriptions.filter(**{f"by_{channel}": True}),
            channels={channel},
            limit=settings.NOTIFICATIONS_CHUNK_SIZE,
        )
        fan_out.anonymous(anonymous, channels={channel}, limit=settings.NOTIFICATIONS_CHUNK_SIZE)
    for group in (phones, later):
        if group:
            fan_out.residents(subscriptions.filter(_any_of(group)), channels=set(group))
            fan_out.anonymous(anonymous, channels=set(group))
    handled = len(fan_out.reached)
    if fan_out.broadcasts or handled == 0:
        # The council's accounts post once, even when nobody subscribed (a no-op if posted).
        with transaction.atomic():
            event_create(
                kind=ALERT_TOPIC,
                recipients=[],
                channels_for=lambda user: [],
                context=contexts[message.language],
                idempotency_key=event_key(message, message.language),
                urgent=True,
                source=message,
                broadcasts=fan_out.broadcasts,
            )
    AlertMessage.objects.filter(pk=message.pk, fanout_completed_at__isnull=True).update(
        fanout_completed_at=timezone.now()
    )
    logger.info("Alert message %s fanned out to %d subscribers", message.identifier, handled)
    return handled


_USER_FIELDS = ("id", "email", "is_active", "preferred_language")


def _any_of(channels: list[str]) -> Q:
    """Subscriptions that ask for at least one of ``channels``."""
    wanted = Q()
    for channel in channels:
        wanted |= Q(**{f"by_{channel}": True})
    return wanted


def _pages(rows_query, *, key: str, key_of, limit: int | None) -> Iterator[list]:
    """``rows_query`` in pages of ``ALERTS_FANOUT_BATCH`` rows in ``key`` order (each page
    starts after the last key of the one before, so later pages are as quick as the
    first); only the first ``limit`` rows if given."""
    rows_query = rows_query.order_by(key)
    last = 0
    left = limit
    while left is None or left > 0:
        size = settings.ALERTS_FANOUT_BATCH
        if left is not None:
            size = min(size, left)
        rows = list(rows_query.filter(**{f"{key}__gt": last})[:size])
        if not rows:
            return
        if left is not None:
            left -= len(rows)
        last = key_of(rows[-1])
        yield rows


class _FanOut:
    """One run of a message's fan-out: writes batches of deliveries, each in its own short
    transaction (so they are on their way while later batches are written), and remembers
    whom it reached."""

    def __init__(
        self,
        message: AlertMessage,
        *,
        contexts: dict[str, dict],
        second: str,
        broadcasts: list[tuple[str, str]],
    ) -> None:
        self.message = message
        self.contexts = contexts
        self.second = second
        self.broadcasts = broadcasts
        self.reached: set[tuple[str, int]] = set()

    def _language(self, preferred: str) -> str:
        if self.second and preferred == self.second:
            return self.second
        return self.message.language

    def _write(self, groups: dict[str, dict], *, subscribers: bool) -> None:
        with transaction.atomic():
            for language, group in groups.items():
                event_create(
                    kind=ALERT_TOPIC,
                    recipients=[] if subscribers else group["members"],
                    channels_for=group.get("channels_for", lambda user: []),
                    subscribers=group["members"] if subscribers else (),
                    context=self.contexts[language],
                    idempotency_key=event_key(self.message, language),
                    urgent=True,
                    source=self.message,
                    # The council's accounts post with the first batch written.
                    broadcasts=(
                        self.broadcasts
                        if language == self.message.language and not subscribers
                        else ()
                    ),
                )

    def residents(self, subscriptions, *, channels: set[str], limit: int | None = None) -> None:
        """Write ``channels``' deliveries for the residents of ``subscriptions``, in batches
        of ``ALERTS_FANOUT_BATCH``; only the first ``limit`` of them if given."""
        rows_query = subscriptions.values_list("user_id", "by_email", "by_push", "by_sms")
        for rows in _pages(rows_query, key="user_id", key_of=lambda row: row[0], limit=limit):
            ids = [row[0] for row in rows]
            opted_out = set(
                NotificationPreference.objects.filter(
                    user_id__in=ids, topic=ALERT_TOPIC, enabled=False
                ).values_list("user_id", "channel")
            )
            wanted = {
                user_id: [
                    channel
                    for channel, on in (("email", email), ("push", push), ("sms", sms))
                    if on and channel in channels and (user_id, channel) not in opted_out
                ]
                for user_id, email, push, sms in rows
            }
            groups: dict[str, dict] = {}
            # Only what the fan-out and the channels' addresses read: whole rows (and the
            # avatar field's post-init work) cost more than writing their deliveries.
            users = User.objects.filter(pk__in=ids).only(*_USER_FIELDS).order_by("pk")
            for user in users:
                group = groups.setdefault(
                    self._language(user.preferred_language),
                    {
                        "members": [],
                        "channels_for": lambda user, wanted=wanted: wanted.get(user.pk, []),
                    },
                )
                group["members"].append(user)
            self._write(groups, subscribers=False)
            self.reached.update(("resident", user_id) for user_id in ids)

    def anonymous(self, subscriptions, *, channels: set[str], limit: int | None = None) -> None:
        """Write the deliveries to confirmed subscribers without an account whose channel is
        one of ``channels``: each on their own address, in the language they signed up in
        when the message has text in it, else in its first language."""
        subscriptions = subscriptions.filter(subscriber__channel__in=channels)
        for rows in _pages(subscriptions, key="pk", key_of=lambda row: row.pk, limit=limit):
            groups: dict[str, dict] = {}
            for row in rows:
                language = self._language(row.subscriber.language)
                groups.setdefault(language, {"members": []})["members"].append(row.subscriber)
            self._write(groups, subscribers=True)
            self.reached.update(("subscriber", row.subscriber_id) for row in rows)


def fan_out_enqueue(*, message_id: int) -> bool:
    """Hand the fan-out to a worker (call on commit). Never raises: when the broker is
    unreachable the fan-out sweeper starts it later."""
    from alerts.tasks import alert_message_fan_out_task

    try:
        alert_message_fan_out_task.apply_async(args=(message_id,), queue=settings.URGENT_QUEUE)
    except Exception:
        logger.exception("Could not enqueue the fan-out of alert message %s", message_id)
        return False
    return True


def fan_outs_sweep(*, now=None) -> int:
    """Re-enqueue fan-outs not completed ``ALERTS_FANOUT_STALE_AFTER`` seconds after
    publication (a killed worker, a broker that was down). Beat job; safe to run twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ALERTS_FANOUT_STALE_AFTER)
    ids = list(
        AlertMessage.objects.filter(
            state=AlertMessage.State.PUBLISHED, fanout_completed_at__isnull=True, sent__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for message_id in ids:
        fan_out_enqueue(message_id=message_id)
    return len(ids)
