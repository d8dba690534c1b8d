"""Reads of the notification engine: the inbox, preferences, subscriptions, statistics."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Min, QuerySet

from civicportal.accounts.models import User
from civicportal.notifications.models import (
    ChannelName,
    Delivery,
    Event,
    Frequency,
    NotificationPreference,
    PhoneNumber,
    PushSubscription,
)
from civicportal.notifications.topics import Topic, topics_for


def inbox_list(*, viewer: User) -> QuerySet[Delivery]:
    """The viewer's visible inbox items, newest first, with their events loaded."""
    return (
        Delivery.objects.filter(
            recipient=viewer, channel=ChannelName.INBOX, status=Delivery.Status.SENT
        )
        .select_related("event")
        .order_by("-sent_at", "-id")
    )


def inbox_unread_count(*, viewer: User) -> int:
    """How many of the viewer's inbox items are unread (one indexed COUNT)."""
    if not viewer.is_authenticated:
        return 0
    return inbox_list(viewer=viewer).filter(read_at__isnull=True).count()


def event_delivery_counts(*, event: Event) -> dict[str, dict[str, int]]:
    """``{channel: {status: count}}`` for one event, every status present (zeros too)."""
    counts: dict[str, dict[str, int]] = {}
    rows = event.deliveries.order_by().values("channel", "status").annotate(n=Count("id"))
    for row in rows:
        by_status = counts.setdefault(row["channel"], dict.fromkeys(Delivery.Status.values, 0))
        by_status[row["status"]] = row["n"]
    return counts


def event_delivery_timing(*, event: Event) -> dict[str, object]:
    """When the first and last deliveries went out, and how long after the event."""
    timing = event.deliveries.filter(status=Delivery.Status.SENT).aggregate(
        first_sent_at=Min("sent_at"), last_sent_at=Max("sent_at")
    )
    last = timing["last_sent_at"]
    timing["time_to_last_delivery"] = last - event.created_at if last else None
    return timing


@dataclass(frozen=True, slots=True)
class TopicChoices:
    """One row of the preferences table: a topic and the resident's effective choices."""

    topic: Topic
    channels: tuple[str, ...]
    enabled: dict[str, bool]
    frequency: str


def preference_table(*, viewer: User) -> list[TopicChoices]:
    """Every topic offered to the viewer with their choices (defaults where they made none).

    Topics whose audience leaves the viewer out (staff notices) are not offered. One query,
    whatever the number of topics (an audience predicate may cost one of its own).
    """
    from civicportal.notifications.services.preferences import topic_channels

    stored = {
        (p.topic, p.channel): p
        for p in NotificationPreference.objects.filter(user=viewer).only(
            "topic", "channel", "enabled", "frequency"
        )
    }
    table = []
    for topic in topics_for(viewer):
        channels = topic_channels(topic)
        if not channels:
            continue
        enabled = {}
        for channel in channels:
            preference = stored.get((topic.key, channel))
            enabled[channel] = (
                preference.enabled if preference else channel in topic.default_channels
            )
        email = stored.get((topic.key, ChannelName.EMAIL))
        frequency = email.frequency if email and not topic.urgent else Frequency.IMMEDIATE
        table.append(
            TopicChoices(topic=topic, channels=channels, enabled=enabled, frequency=frequency)
        )
    return table


def push_subscription_list(*, viewer: User) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(user=viewer).order_by("-created_at", "-id")


def phone_number_get(*, viewer: User) -> PhoneNumber | None:
    return PhoneNumber.objects.filter(user=viewer).first()
