"""Reads of the events part: the public lists (upcoming, by area, by kind, a month), one
event, a resident's sign-up, the organiser's list and the moderation queue. Each list does
a constant number of queries whatever its length."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from community.models import Event, EventSignup

PUBLIC_STATES = (Event.State.PUBLISHED, Event.State.CANCELLED)


def event_list(
    *,
    viewer=None,
    area=None,
    kind: str | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    upcoming: bool = True,
) -> QuerySet[Event]:
    """Published (and cancelled, shown as such) events, soonest first; by default those
    that have not ended."""
    events = Event.objects.filter(state__in=PUBLIC_STATES).select_related("area")
    if upcoming:
        events = events.filter(ends_at__gt=timezone.now())
    if area is not None:
        events = events.filter(area=area)
    if kind:
        events = events.filter(kind=kind)
    if starts_from is not None:
        events = events.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        events = events.filter(starts_at__lt=starts_before)
    return events.order_by("starts_at", "id")


def event_get(*, viewer, pk: int) -> Event:
    """The event ``pk`` if ``viewer`` may see it; raises ``Event.DoesNotExist``."""
    event = Event.objects.select_related("area", "organiser").prefetch_related("photos").get(pk=pk)
    if not viewer.has_perm("community.see_event", event):
        raise Event.DoesNotExist
    return event


def event_signup_of(*, viewer, event: Event) -> EventSignup | None:
    if not viewer.is_authenticated:
        return None
    return EventSignup.objects.filter(
        event=event,
        user=viewer,
        status__in=[EventSignup.Status.CONFIRMED, EventSignup.Status.WAITING],
    ).first()


def waiting_position(signup: EventSignup) -> int | None:
    """1 for the first person waiting; None for anyone not waiting."""
    if signup.status != EventSignup.Status.WAITING:
        return None
    return (
        EventSignup.objects.filter(event_id=signup.event_id, status=EventSignup.Status.WAITING)
        .filter(
            Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, id__lt=signup.id)
        )
        .count()
        + 1
    )


def event_signups(*, event: Event) -> QuerySet[EventSignup]:
    """The organiser's list: confirmed then waiting, in sign-up order."""
    return (
        EventSignup.objects.filter(
            event=event, status__in=[EventSignup.Status.CONFIRMED, EventSignup.Status.WAITING]
        )
        .select_related("user")
        .order_by("status", "created_at", "id")  # "confirmed" sorts before "waiting"
    )


def events_awaiting_moderation() -> QuerySet[Event]:
    return (
        Event.objects.filter(state=Event.State.PENDING)
        .select_related("area", "organiser")
        .order_by("created_at", "id")
    )


def events_organised_by(*, viewer) -> QuerySet[Event]:
    return (
        Event.objects.filter(organiser=viewer)
        .select_related("area")
        .annotate(waiting=Count("signups", filter=Q(signups__status="waiting")))
        .order_by("-starts_at")
    )
