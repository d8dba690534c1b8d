"""Residents' choices per topic and channel, and turning them into each event's channels.

No preference row means the topic's defaults (``Topic.default_channels``, immediately).
``channels_for_recipients`` reads the rows of all recipients in one query and answers
``event_create``'s two questions per recipient: which channels now, and which digest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from civicportal.notifications.models import (
    ChannelName,
    DigestItem,
    Event,
    Frequency,
    NotificationPreference,
    validate_kind,
)
from civicportal.notifications.topics import DIGEST_TOPIC, Topic, topic_get

# (enabled, frequency)
Choice = tuple[bool, str]


@dataclass(slots=True)
class RecipientPlan:
    """What one topic's event does for each recipient, from their preferences.

    ``channels_for`` and ``digest_for`` are the callables ``event_create`` takes.
    """

    topic: Topic
    urgent: bool
    channels: tuple[str, ...]
    choices: dict[int, dict[str, Choice]] = field(default_factory=dict)

    def _choice(self, user: User, channel: str) -> Choice:
        chosen = self.choices.get(user.pk, {}).get(channel)
        if chosen is not None:
            return chosen
        return channel in self.topic.default_channels, Frequency.IMMEDIATE

    def channels_for(self, user: User) -> list[str]:
        result = []
        for channel in self.channels:
            enabled, frequency = self._choice(user, channel)
            if not enabled:
                continue
            if frequency != Frequency.IMMEDIATE and not self.urgent:
                continue  # it goes into the digest instead
            result.append(channel)
        return result

    def digest_for(self, user: User) -> str | None:
        if self.urgent or ChannelName.EMAIL not in self.channels:
            return None
        enabled, frequency = self._choice(user, ChannelName.EMAIL)
        if enabled and frequency != Frequency.IMMEDIATE:
            return frequency
        return None


def topic_channels(topic: Topic) -> tuple[str, ...]:
    """The topic's channels that have a backend configured here."""
    return tuple(c for c in topic.channels if c in settings.NOTIFICATIONS_CHANNELS)


def channels_for_recipients(
    topic: str | Topic, users: Iterable[User], *, urgent: bool | None = None
) -> RecipientPlan:
    """Each recipient's channels and digest for an event of ``topic``, in one query.

    ``users`` may be a QuerySet (then it is used as a subquery, not evaluated) or a list.
    ``urgent`` defaults to the topic's; an urgent event ignores digest frequencies (it is
    sent at once on every channel the resident keeps on) — opting out still counts.
    """
    topic = topic_get(topic) if isinstance(topic, str) else topic
    if isinstance(users, models.QuerySet):
        user_filter = {"user__in": users.values("pk")}
    else:
        user_filter = {"user_id__in": [u.pk for u in users]}
    choices: dict[int, dict[str, Choice]] = {}
    rows = NotificationPreference.objects.filter(topic=topic.key, **user_filter).values_list(
        "user_id", "channel", "enabled", "frequency"
    )
    for user_id, channel, enabled, frequency in rows:
        choices.setdefault(user_id, {})[channel] = (enabled, frequency)
    return RecipientPlan(
        topic=topic,
        urgent=topic.urgent if urgent is None else urgent,
        channels=topic_channels(topic),
        choices=choices,
    )


def topic_event_create(
    *,
    topic: str,
    recipients: Iterable[User],
    context: dict,
    idempotency_key: str,
    source: models.Model | None = None,
    broadcasts: Iterable[tuple[str, str]] = (),
    urgent: bool | None = None,
) -> Event:
    """``event_create`` for a registered topic, with each recipient's preferences applied.

    Same preconditions and guarantees as ``event_create`` (call it inside the transaction
    of the change it announces). A list of ``recipients`` is read once; a QuerySet is
    read by ``event_create`` in batches.
    """
    from civicportal.notifications.services.events import event_create

    if not isinstance(recipients, models.QuerySet):
        recipients = list(recipients)
    plan = channels_for_recipients(topic, recipients, urgent=urgent)
    return event_create(
        kind=plan.topic.key,
        recipients=recipients,
        channels_for=plan.channels_for,
        digest_for=plan.digest_for,
        context=context,
        idempotency_key=idempotency_key,
        urgent=plan.urgent,
        source=source,
        broadcasts=broadcasts,
    )


@transaction.atomic
def preferences_update(*, user: User, choices: Mapping[tuple[str, str], Choice]) -> int:
    """Store ``{(topic, channel): (enabled, frequency)}`` for ``user``; returns rows written.

    Refuses (``ValidationError``, nothing stored) an unknown topic, one whose audience
    leaves ``user`` out, a channel the topic does not offer, and a digest frequency on
    anything but email or on an urgent topic.
    One upsert against the (user, topic, channel) unique constraint.
    """
    rows = []
    for (topic_key, channel), (enabled, frequency) in choices.items():
        try:
            topic = topic_get(topic_key)
        except LookupError:
            raise ValidationError(
                _("There is no notification topic “%(topic)s”.") % {"topic": topic_key}
            ) from None
        if not topic.offered_to(user):
            raise ValidationError(
                _("“%(topic)s” is not sent to you, so there is nothing to choose.")
                % {"topic": topic.label}
            )
        if channel not in topic_channels(topic):
            raise ValidationError(
                _("“%(topic)s” cannot be sent by %(channel)s.")
                % {"topic": topic.label, "channel": ChannelName(channel).label}
            )
        if frequency not in Frequency.values:
            raise ValidationError(_("Choose how often: immediately, daily or weekly."))
        if frequency != Frequency.IMMEDIATE and (channel != ChannelName.EMAIL or topic.urgent):
            raise ValidationError(
                _("Only emails of non-urgent topics can be gathered into a digest.")
            )
        rows.append(
            NotificationPreference(
                user=user, topic=topic.key, channel=channel, enabled=enabled, frequency=frequency
            )
        )
    NotificationPreference.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user", "topic", "channel"],
        update_fields=["enabled", "frequency", "updated_at"],
    )
    return len(rows)


@transaction.atomic
def preference_unsubscribe(*, user_id: int, topic: str, channel: str) -> bool:
    """Switch off ``channel`` for ``topic`` (a one-click unsubscribe); True if the user exists.

    The digest's own topic switches off every topic the resident gets in a digest, and
    drops the items still waiting. Idempotent: unsubscribing twice changes nothing more.
    """
    validate_kind(topic)
    if channel not in ChannelName.values:
        raise ValidationError(_("Unknown channel."))
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    if topic == DIGEST_TOPIC:
        NotificationPreference.objects.filter(user=user, channel=ChannelName.EMAIL).exclude(
            frequency=Frequency.IMMEDIATE
        ).update(enabled=False, frequency=Frequency.IMMEDIATE)
        DigestItem.objects.filter(user=user, digest_event__isnull=True).delete()
        return True
    NotificationPreference.objects.update_or_create(
        user=user,
        topic=topic,
        channel=channel,
        defaults={"enabled": False, "frequency": Frequency.IMMEDIATE},
    )
    if channel == ChannelName.EMAIL:
        DigestItem.objects.filter(user=user, event__kind=topic, digest_event__isnull=True).delete()
    return True
