"""Fanning a published message out to its subscribers through the notification engine:
residents with an account, then confirmed subscribers without one.

``alert_message_fan_out`` runs in a worker (enqueued on the approval's commit). It walks the
matching subscriptions in batches of ``ALERTS_FANOUT_BATCH`` (the first one smaller: one
delivery chunk's worth) and calls ``event_create``
(urgent: never batched into a digest) once per batch, each in its own short transaction,
so the first deliveries are on their way while later batches are still being written.
The event's idempotency key is fixed per message and language, and ``event_create``
inserts with ON CONFLICT DO NOTHING, so running the fan-out again (a retried task, the
sweeper after a killed worker) adds only the recipients that are missing: nobody is lost
and nobody gets a message twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
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
    }


def event_key(message: AlertMessage, language: str) -> str:
    return f"alerts.message.{message.pk}.{language}"


def alert_message_fan_out(*, message_id: int) -> int:
    """Create the deliveries of a published message; returns recipients handled this run.

    Precondition: outside a transaction (each batch commits, and is enqueued, on its own).
    Idempotent (see the module docstring); marks ``fanout_completed_at`` at the end.
    """
    message = (
        AlertMessage.objects.select_related("alert").prefetch_related("areas").get(pk=message_id)
    )
    if message.state != AlertMessage.State.PUBLISHED:
        return 0
    offered = set(channels_offered())
    second = message.second_language if message.second_headline else ""
    contexts = {message.language: message_context(message, language=message.language)}
    if second:
        contexts[second] = message_context(message, language=second)
    broadcasts = [] if message.alert.is_exercise else social_broadcasts()
    subscriptions = subscriptions_for(message).order_by("user_id")
    # The first batch is one delivery chunk's worth of subscribers, so that every channel
    # has its first chunk queued a moment after approval; then full batches.
    batch_size = min(settings.ALERTS_FANOUT_BATCH, settings.NOTIFICATIONS_CHUNK_SIZE)
    last_user_id = 0
    handled = 0
    while True:
        rows = list(
            subscriptions.filter(user_id__gt=last_user_id).values_list(
                "user_id", "by_email", "by_push", "by_sms"
            )[:batch_size]
        )
        batch_size = settings.ALERTS_FANOUT_BATCH
        if not rows:
            break
        last_user_id = rows[-1][0]
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
                if on and channel in offered and (user_id, channel) not in opted_out
            ]
            for user_id, email, push, sms in rows
        }
        users = list(User.objects.filter(pk__in=ids).order_by("pk"))
        groups: dict[str, list[User]] = {}
        for user in users:
            language = second if second and user.preferred_language == second else message.language
            groups.setdefault(language, []).append(user)
        with transaction.atomic():
            for language, members in groups.items():
                event_create(
                    kind=ALERT_TOPIC,
                    recipients=members,
                    channels_for=lambda user, wanted=wanted: wanted.get(user.pk, []),
                    context=contexts[language],
                    idempotency_key=event_key(message, language),
                    urgent=True,
                    source=message,
                    broadcasts=broadcasts if language == message.language else (),
                )
        handled += len(rows)
    handled += _anonymous_fan_out(message, contexts=contexts, second=second)
    if broadcasts or handled == 0:
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
                broadcasts=broadcasts,
            )
    AlertMessage.objects.filter(pk=message.pk, fanout_completed_at__isnull=True).update(
        fanout_completed_at=timezone.now()
    )
    logger.info("Alert message %s fanned out to %d subscribers", message.identifier, handled)
    return handled


def _anonymous_fan_out(message: AlertMessage, *, contexts: dict[str, dict], second: str) -> int:
    """The deliveries to confirmed subscribers without an account, in batches like the
    residents' (same events, so the same idempotency); returns how many were handled.

    Each gets their own address's channel, if it is offered here, in the language they
    signed up in when the message has text in it, else in its first language.
    """
    offered = set(channels_offered())
    subscriptions = anonymous_subscriptions_for(message).order_by("pk")
    last_id = 0
    handled = 0
    while True:
        rows = list(subscriptions.filter(pk__gt=last_id)[: settings.ALERTS_FANOUT_BATCH])
        if not rows:
            break
        last_id = rows[-1].pk
        groups: dict[str, list] = {}
        for row in rows:
            subscriber = row.subscriber
            if subscriber.channel not in offered:
                continue
            language = second if second and subscriber.language == second else message.language
            groups.setdefault(language, []).append(subscriber)
        with transaction.atomic():
            for language, members in groups.items():
                event_create(
                    kind=ALERT_TOPIC,
                    recipients=[],
                    channels_for=lambda user: [],
                    subscribers=members,
                    context=contexts[language],
                    idempotency_key=event_key(message, language),
                    urgent=True,
                    source=message,
                )
        handled += len(rows)
    return handled


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
