"""Writes of the events part: creating, moderating, changing and cancelling events; signing
up with a waiting list; check-in, messages to attendees, the outcome; reminders.

The cap on places: every sign-up and cancellation locks the event row
(``select_for_update``) before it reads ``confirmed_count``, so two requests for the last
place are served one after the other; the database's constraint
``community_event_confirmed_within_capacity`` refuses whatever would still exceed it, and
``community_signup_one_active_per_resident`` refuses a second active sign-up.

Notices go through the notification engine (topic ``community.events``), created inside
the transaction of the change they announce: the engine hands them to workers on commit.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicportal.accounts.models import Area, User
from civicportal.audience.services import participation_record
from civicportal.core.images import image_reencode
from civicportal.core.maps import point_check
from civicportal.core.rendering import markdown_render, markdown_text
from civicportal.kernel.audit import audit_record
from community.models.events import (
    BRING_MAX_LENGTH,
    CAPACITY_MAX,
    DESCRIPTION_MAX_LENGTH,
    OUTCOME_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    SUMMARY_LENGTH,
    TITLE_MAX_LENGTH,
    Event,
    EventKind,
    EventPhoto,
    EventReminder,
    EventSignup,
)

TOPIC_EVENTS = "community.events"
PHOTOS_MAX = 10
MESSAGE_MAX_LENGTH = 2000

# Markup that has no place in a description; refused, so the author knows why.
_ACTIVE_CONTENT = re.compile(r"<\s*script|javascript\s*:|<\s*iframe|\son\w+\s*=", re.IGNORECASE)


def image_max_bytes() -> int:
    return settings.COMMUNITY_IMAGE_MAX_BYTES


def _text(field: str, value: str, *, max_length: int, required: str | None) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError({field: required})
        return ""
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("This can be at most %(max)s characters long; yours has %(length)s.")
                % {"max": max_length, "length": len(value)}
            }
        )
    if _ACTIVE_CONTENT.search(value):
        raise ValidationError(
            {
                field: _(
                    "Remove the script or HTML event code from your text: it is not allowed. "
                    "Plain text and Markdown are fine."
                )
            }
        )
    return value


def _times(starts_at: datetime | None, ends_at: datetime | None, *, now: datetime) -> None:
    if starts_at is None:
        raise ValidationError({"starts_at": _("Say when the event starts.")})
    if ends_at is None:
        raise ValidationError({"ends_at": _("Say when the event ends.")})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": _("Give the times with their time zone.")})
    if starts_at <= now:
        raise ValidationError({"starts_at": _("The start is in the past. Choose a later time.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})


def _capacity(capacity: Any) -> int:
    try:
        value = int(capacity)
    except (TypeError, ValueError):
        raise ValidationError({"capacity": _("Give the number of places as a number.")}) from None
    if value < 1:
        raise ValidationError({"capacity": _("An event needs at least one place.")})
    if value > CAPACITY_MAX:
        raise ValidationError(
            {"capacity": _("At most %(max)s places can be offered.") % {"max": CAPACITY_MAX}}
        )
    return value


def _details(*, fields: dict[str, Any], now: datetime, current: Event | None) -> dict[str, Any]:
    """Check every field of an event's details; raises one ``ValidationError`` naming each
    bad field, so a form shows them all at once."""
    errors: dict[str, list] = {}
    values: dict[str, Any] = {}

    def collect(function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None

    values["title"] = collect(
        _text, "title", fields.get("title"), max_length=TITLE_MAX_LENGTH,
        required=_("Give the event a title."),
    )  # fmt: skip
    values["description"] = collect(
        _text, "description", fields.get("description"), max_length=DESCRIPTION_MAX_LENGTH,
        required=_("Describe the event."),
    )  # fmt: skip
    values["place"] = collect(
        _text, "place", fields.get("place"), max_length=PLACE_MAX_LENGTH,
        required=_("Say where people meet."),
    )  # fmt: skip
    values["what_to_bring"] = collect(
        _text, "what_to_bring", fields.get("what_to_bring"), max_length=BRING_MAX_LENGTH,
        required=None,
    )  # fmt: skip
    kind = fields.get("kind")
    if kind not in EventKind.values:
        errors.setdefault("kind", []).append(_("Choose one of the kinds offered."))
    values["kind"] = kind
    area = fields.get("area")
    if area is not None and not isinstance(area, Area):
        errors.setdefault("area", []).append(_("Choose one of the areas offered."))
    values["area"] = area
    point = collect(point_check, fields.get("latitude"), fields.get("longitude"))
    values["latitude"], values["longitude"] = point if point else (None, None)
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    if current is not None and starts_at == current.starts_at and ends_at == current.ends_at:
        pass  # unchanged times of an event already under way stay valid
    else:
        collect(_times, starts_at, ends_at, now=now)
    values["starts_at"], values["ends_at"] = starts_at, ends_at
    capacity = collect(_capacity, fields.get("capacity"))
    if capacity is not None and current is not None and capacity < current.confirmed_count:
        errors.setdefault("capacity", []).append(
            _(
                "%(count)s people already have a place; offer at least that many, or cancel "
                "their places first."
            )
            % {"count": current.confirmed_count}
        )
    values["capacity"] = capacity
    image = fields.get("image")
    values["image"] = None
    if image:
        values["image"] = collect(image_reencode, image, max_bytes=image_max_bytes())
        if not (fields.get("image_description") or "").strip():
            errors.setdefault("image_description", []).append(
                _("Describe the picture in a few words, for people who cannot see it.")
            )
    values["image_description"] = (fields.get("image_description") or "").strip()[:200]
    if errors:
        raise ValidationError(errors)
    return values


def _apply(event: Event, values: dict[str, Any]) -> None:
    for name in (
        "kind", "title", "description", "place", "what_to_bring", "area", "latitude",
        "longitude", "starts_at", "ends_at", "capacity",
    ):  # fmt: skip
        setattr(event, name, values[name])
    event.description_html = markdown_render(values["description"])
    text = markdown_text(values["description"], reads=SUMMARY_LENGTH * 3)
    event.summary = text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"
    if values["image"] is not None:
        event.image.save(values["image"].name, values["image"], save=False)
        event.image_description = values["image_description"]


def _attendees(event: Event) -> QuerySet[User]:
    """Everyone with an active sign-up (confirmed or waiting), each once."""
    return User.objects.filter(
        community_event_signups__event=event,
        community_event_signups__status__in=[
            EventSignup.Status.CONFIRMED,
            EventSignup.Status.WAITING,
        ],
        is_active=True,
    ).order_by("pk")


def _notify(
    *, event: Event, recipients, subject: str, body: str, key: str, params: dict | None = None
) -> None:
    from civicportal.notifications.services import topic_event_create

    topic_event_create(
        topic=TOPIC_EVENTS,
        recipients=recipients,
        context={
            "subject": subject,
            "body": body,
            "params": {"event": event.title, **(params or {})},
            "url": event.get_absolute_url(),
            "action": gettext_noop("Open the event"),
        },
        idempotency_key=f"{TOPIC_EVENTS}:{key}",
        source=event,
    )


def _locked(event: Event | int) -> Event:
    event_id = event if isinstance(event, int) else event.pk
    locked = Event.objects.select_for_update().filter(pk=event_id).first()
    if locked is None:
        raise ValidationError(_("This event no longer exists."), code="gone")
    return locked


# --- Events -------------------------------------------------------------------------------


def _rate_check(actor: User, *, now: datetime) -> None:
    """Residents propose at most ``COMMUNITY_RESIDENT_EVENTS_PER_DAY`` events a day (0: no
    limit), so the moderation queue cannot be flooded."""
    limit = settings.COMMUNITY_RESIDENT_EVENTS_PER_DAY
    if limit <= 0:
        return
    recent = Event.objects.filter(organiser=actor, created_at__gte=now - timedelta(days=1))
    if recent.count() >= limit:
        raise ValidationError(
            _(
                "You have proposed %(count)s events in the last 24 hours, the most allowed. "
                "Try again tomorrow."
            )
            % {"count": limit},
            code="rate_limited",
        )


@transaction.atomic
def event_create(*, actor: User, **fields: Any) -> Event:
    """Create an event organised by ``actor``.

    Event staff's events are published at once; a verified resident's (only when
    ``COMMUNITY_RESIDENT_EVENTS`` is on) waits for a moderator. Fields: kind, title,
    description (Markdown), area, place, latitude, longitude, starts_at, ends_at, capacity,
    what_to_bring, image, image_description. Raises ``PermissionDenied`` or
    ``ValidationError`` (every bad field named, nothing stored).
    """
    if not actor.has_perm("community.create_event"):
        raise PermissionDenied(
            _("Only council staff, and verified residents where the council allows it, "
              "can create events.")
        )  # fmt: skip
    now = timezone.now()
    values = _details(fields=fields, now=now, current=None)
    staff = actor.has_perm("community.publish_event")
    if not staff:
        _rate_check(actor, now=now)
    event = Event(
        organiser=actor,
        state=Event.State.PUBLISHED if staff else Event.State.PENDING,
        published_at=now if staff else None,
        created_at=now,
        updated_at=now,
    )
    _apply(event, values)
    event.full_clean(exclude=["image"])
    event.save()
    return event


@transaction.atomic
def event_publish(*, actor: User, event: Event | int) -> Event:
    """Publish a resident's event waiting for moderation. Locks the event row."""
    locked = _locked(event)
    if not actor.has_perm("community.publish_event", locked):
        raise PermissionDenied(_("Only moderators and event organisers can publish events."))
    if locked.state != Event.State.PENDING:
        raise ValidationError(_("Only an event awaiting moderation can be published."))
    if locked.ends_at <= timezone.now():
        raise ValidationError(_("This event is already over; it cannot be published."))
    locked.state = Event.State.PUBLISHED
    locked.published_at = locked.updated_at = timezone.now()
    locked.save(update_fields=["state", "published_at", "updated_at"])
    audit_record(
        actor=actor, obj=locked, action="community.event.publish",
        changes={"state": (Event.State.PENDING, Event.State.PUBLISHED)},
    )  # fmt: skip
    if locked.organiser_id and locked.organiser_id != actor.pk:
        _notify(
            event=locked,
            recipients=User.objects.filter(pk=locked.organiser_id),
            subject=gettext_noop("Your event “%(event)s” is published"),
            body=gettext_noop("Residents can now find it and sign up."),
            key=f"published:{locked.pk}",
        )
    return locked


@transaction.atomic
def event_reject(*, actor: User, event: Event | int, reason: str) -> Event:
    """Turn down a resident's event waiting for moderation, telling them why."""
    locked = _locked(event)
    if not actor.has_perm("community.publish_event", locked):
        raise PermissionDenied(_("Only moderators and event organisers can reject events."))
    if locked.state != Event.State.PENDING:
        raise ValidationError(_("Only an event awaiting moderation can be rejected."))
    reason = _text("reason", reason, max_length=500, required=_("Say why, for the organiser."))
    locked.state = Event.State.REJECTED
    locked.cancel_reason = reason
    locked.updated_at = timezone.now()
    locked.save(update_fields=["state", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor, obj=locked, action="community.event.reject",
        changes={"state": (Event.State.PENDING, Event.State.REJECTED)},
    )  # fmt: skip
    if locked.organiser_id and locked.organiser_id != actor.pk:
        _notify(
            event=locked,
            recipients=User.objects.filter(pk=locked.organiser_id),
            subject=gettext_noop("Your event “%(event)s” was not published"),
            body=gettext_noop("The moderator's reason: %(reason)s"),
            params={"reason": reason},
            key=f"rejected:{locked.pk}",
        )
    return locked


@transaction.atomic
def event_update(*, actor: User, event: Event | int, **fields: Any) -> Event:
    """Change an event's details; everyone signed up hears of it, and calendars see a new
    SEQUENCE. Locks the event row (the capacity is checked against confirmed places).

    A larger capacity moves people off the waiting list, in the order they signed up.
    """
    locked = _locked(event)
    if not actor.has_perm("community.update_event", locked):
        raise PermissionDenied(_("You cannot change this event."))
    if locked.state in (Event.State.CANCELLED, Event.State.REJECTED):
        raise ValidationError(_("A cancelled or rejected event cannot be changed."))
    watched = ("title", "place", "starts_at", "ends_at", "capacity")
    before = {name: getattr(locked, name) for name in watched}
    values = _details(fields=fields, now=timezone.now(), current=locked)
    _apply(locked, values)
    locked.sequence = F("sequence") + 1
    locked.updated_at = timezone.now()
    locked.full_clean(exclude=["image", "sequence"])
    locked.save()
    locked.refresh_from_db()
    changes = {
        name: (old, getattr(locked, name))
        for name, old in before.items()
        if old != getattr(locked, name)
    }
    audit_record(actor=actor, obj=locked, action="community.event.update", changes=changes)
    promoted = _promote(locked)
    if locked.state == Event.State.PUBLISHED:
        _notify(
            event=locked,
            recipients=_attendees(locked).exclude(pk__in=[s.user_id for s in promoted]),
            subject=gettext_noop("“%(event)s” has changed"),
            body=gettext_noop("It now takes place %(when)s at %(place)s."),
            params={"when": _when(locked), "place": locked.place},
            key=f"changed:{locked.pk}:{locked.sequence}",
        )
    return locked


def _when(event: Event) -> str:
    start = timezone.localtime(event.starts_at)
    return start.strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def event_cancel(*, actor: User, event: Event | int, reason: str) -> Event:
    """Cancel an event; everyone signed up is told why. Locks the event row. Sign-ups stay
    as they were, for the record and the calendar's STATUS:CANCELLED."""
    locked = _locked(event)
    if not actor.has_perm("community.manage_event", locked):
        raise PermissionDenied(_("Only the event's organiser or council staff can cancel it."))
    if locked.state not in (Event.State.PUBLISHED, Event.State.PENDING):
        raise ValidationError(_("This event cannot be cancelled."))
    if locked.has_ended:
        raise ValidationError(_("This event is over; record its outcome instead."))
    reason = _text("reason", reason, max_length=500, required=_("Say why it is cancelled."))
    before = locked.state
    locked.state = Event.State.CANCELLED
    locked.cancel_reason = reason
    locked.sequence = F("sequence") + 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["state", "cancel_reason", "sequence", "updated_at"])
    locked.refresh_from_db()
    audit_record(
        actor=actor, obj=locked, action="community.event.cancel",
        changes={"state": (before, Event.State.CANCELLED)},
    )  # fmt: skip
    _notify(
        event=locked,
        recipients=_attendees(locked),
        subject=gettext_noop("“%(event)s” is cancelled"),
        body=gettext_noop("The organiser's reason: %(reason)s"),
        params={"reason": reason},
        key=f"cancelled:{locked.pk}",
    )
    return locked


# --- Sign-ups -----------------------------------------------------------------------------


@transaction.atomic
def signup_create(*, actor: User, event: Event | int) -> EventSignup:
    """Sign ``actor`` up: a place if one is left, else the waiting list.

    Locks the event row, then counts: concurrent sign-ups for the last place are served one
    at a time. Signing up again while signed up returns the existing sign-up unchanged.
    """
    locked = _locked(event)
    if not actor.has_perm("community.signup_event", locked):
        if not actor.is_authenticated:
            raise PermissionDenied(_("Sign in to sign up."))
        raise ValidationError(_("This event is not open for sign-up."), code="closed")
    existing = EventSignup.objects.filter(
        event=locked,
        user=actor,
        status__in=[EventSignup.Status.CONFIRMED, EventSignup.Status.WAITING],
    ).first()
    if existing is not None:
        return existing
    confirmed = locked.confirmed_count < locked.capacity
    signup = EventSignup.objects.create(
        event=locked,
        user=actor,
        status=EventSignup.Status.CONFIRMED if confirmed else EventSignup.Status.WAITING,
    )
    if confirmed:
        Event.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") + 1)
    participation_record(user=actor, module="community", action="event-signup")
    return signup


@transaction.atomic
def signup_cancel(*, actor: User, event: Event | int) -> EventSignup | None:
    """Cancel ``actor``'s sign-up; a freed place goes to the first on the waiting list, who
    is notified (on commit, by the engine). Locks the event row. Returns the cancelled
    sign-up, or None when there was nothing to cancel."""
    locked = _locked(event)
    signup = (
        EventSignup.objects.select_for_update()
        .filter(
            event=locked,
            user=actor,
            status__in=[EventSignup.Status.CONFIRMED, EventSignup.Status.WAITING],
        )
        .first()
    )
    if signup is None:
        return None
    if locked.has_started:
        raise ValidationError(_("The event has started; sign-ups can no longer be cancelled."))
    was_confirmed = signup.status == EventSignup.Status.CONFIRMED
    signup.status = EventSignup.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["status", "cancelled_at"])
    if was_confirmed:
        Event.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") - 1)
        locked.refresh_from_db(fields=["confirmed_count"])
        _promote(locked)
    return signup


def _promote(locked: Event) -> list[EventSignup]:
    """Give free places to the waiting list, first come first served, and tell each person.
    The caller holds the lock on ``locked``'s row."""
    free = locked.capacity - locked.confirmed_count
    if free <= 0 or locked.state != Event.State.PUBLISHED:
        return []
    promoted = list(
        EventSignup.objects.select_for_update()
        .filter(event=locked, status=EventSignup.Status.WAITING)
        .order_by("created_at", "id")[:free]
    )
    if not promoted:
        return []
    now = timezone.now()
    EventSignup.objects.filter(pk__in=[s.pk for s in promoted]).update(
        status=EventSignup.Status.CONFIRMED, promoted_at=now
    )
    Event.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") + len(promoted))
    locked.refresh_from_db(fields=["confirmed_count"])
    for signup in promoted:
        signup.status, signup.promoted_at = EventSignup.Status.CONFIRMED, now
        _notify(
            event=locked,
            recipients=User.objects.filter(pk=signup.user_id),
            subject=gettext_noop("A place is yours at “%(event)s”"),
            body=gettext_noop(
                "Someone cancelled, so you moved off the waiting list. See you %(when)s "
                "at %(place)s."
            ),
            params={"when": _when(locked), "place": locked.place},
            key=f"promoted:{signup.pk}",
        )
    return promoted


@transaction.atomic
def signup_check_in(*, actor: User, signup: EventSignup | int, present: bool = True) -> EventSignup:
    """Mark a confirmed attendee as arrived (or not, to undo a slip)."""
    signup_id = signup if isinstance(signup, int) else signup.pk
    locked = (
        EventSignup.objects.select_for_update().select_related("event").filter(pk=signup_id).first()
    )
    if locked is None:
        raise ValidationError(_("This sign-up no longer exists."))
    if not actor.has_perm("community.manage_event", locked.event):
        raise PermissionDenied(_("Only the event's organiser can check people in."))
    if locked.status != EventSignup.Status.CONFIRMED:
        raise ValidationError(_("Only people with a confirmed place can be checked in."))
    locked.checked_in_at = timezone.now() if present else None
    locked.save(update_fields=["checked_in_at"])
    return locked


@transaction.atomic
def event_message_send(*, actor: User, event: Event | int, message: str) -> int:
    """Send the organiser's ``message`` to everyone signed up; returns how many people."""
    locked = _locked(event)
    if not actor.has_perm("community.manage_event", locked):
        raise PermissionDenied(_("Only the event's organiser can message its attendees."))
    message = _text(
        "message", message, max_length=MESSAGE_MAX_LENGTH, required=_("Write your message.")
    )
    recipients = list(_attendees(locked).exclude(pk=actor.pk))
    if not recipients:
        raise ValidationError({"message": _("Nobody is signed up yet, so nobody would read it.")})
    _notify(
        event=locked,
        recipients=recipients,
        subject=gettext_noop("A message about “%(event)s”"),
        body=gettext_noop("%(message)s"),
        params={"message": message},
        key=f"message:{locked.pk}:{timezone.now().timestamp():.6f}",
    )
    return len(recipients)


@transaction.atomic
def event_outcome_record(
    *,
    actor: User,
    event: Event | int,
    attendance: Any,
    outcome: str,
    photos: list[tuple[Any, str]] = (),
) -> Event:
    """Record what happened after the event: how many came, what was achieved, photos
    (``(file, description)`` pairs, re-encoded without GPS data). Locks the event row."""
    locked = _locked(event)
    if not actor.has_perm("community.manage_event", locked):
        raise PermissionDenied(_("Only the event's organiser can record its outcome."))
    if locked.state != Event.State.PUBLISHED or not locked.has_ended:
        raise ValidationError(_("The outcome can be recorded once the event is over."))
    errors: dict[str, list] = {}
    try:
        attendance = int(attendance)
        if attendance < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["attendance"] = [_("Give the number of people who came, 0 or more.")]
    try:
        outcome = _text(
            "outcome", outcome, max_length=OUTCOME_MAX_LENGTH,
            required=_("Say what was achieved."),
        )  # fmt: skip
    except ValidationError as error:
        errors.update(error.message_dict)
    photos = list(photos)
    if len(photos) + locked.photos.count() > PHOTOS_MAX:
        errors["photos"] = [_("At most %(max)s photos per event.") % {"max": PHOTOS_MAX}]
    prepared = []
    for upload, description in photos:
        try:
            prepared.append(
                (image_reencode(upload, max_bytes=image_max_bytes(), field="photos"), description)
            )
        except ValidationError as error:
            errors.setdefault("photos", []).extend(error.message_dict["photos"])
            continue
        if not (description or "").strip():
            errors.setdefault("photos", []).append(
                _("Describe each photo in a few words, for people who cannot see it.")
            )
    if errors:
        raise ValidationError(errors)
    locked.outcome_attendance = attendance
    locked.outcome = outcome
    locked.outcome_html = markdown_render(outcome)
    locked.outcome_recorded_at = locked.updated_at = timezone.now()
    locked.save(
        update_fields=["outcome_attendance", "outcome", "outcome_html", "outcome_recorded_at",
                       "updated_at"]
    )  # fmt: skip
    for image, description in prepared:
        photo = EventPhoto(event=locked, description=description.strip()[:200])
        photo.image.save(image.name, image, save=False)
        photo.save()
    return locked


# --- Reminders ----------------------------------------------------------------------------


def event_reminders_send(*, now: datetime | None = None) -> int:
    """Remind everyone with a confirmed place of events starting within the next day.

    Safe to run twice, or twice at once: each sign-up's reminder is an ``EventReminder``
    row (unique per sign-up) inserted in the same transaction as its notice, and the notice
    has an idempotency key of that sign-up. Returns how many reminders were sent.
    """
    now = now or timezone.now()
    due = (
        EventSignup.objects.filter(
            status=EventSignup.Status.CONFIRMED,
            event__state=Event.State.PUBLISHED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + timedelta(days=1),
            reminder__isnull=True,
        )
        .select_related("event")
        .order_by("event_id", "id")
    )
    sent = 0
    for signup in due.iterator(chunk_size=500):
        with transaction.atomic():
            _, created = EventReminder.objects.get_or_create(signup=signup)
            if not created:
                continue
            _notify(
                event=signup.event,
                recipients=User.objects.filter(pk=signup.user_id),
                subject=gettext_noop("Tomorrow: “%(event)s”"),
                body=gettext_noop("A reminder: it starts %(when)s at %(place)s."),
                params={"when": _when(signup.event), "place": signup.event.place},
                key=f"reminder:{signup.pk}",
            )
            sent += 1
    return sent


# --- Personal data ------------------------------------------------------------------------


def events_personal_data_export(user: User) -> dict[str, Any]:
    signups = EventSignup.objects.filter(user=user).select_related("event").order_by("pk")
    organised = Event.objects.filter(organiser=user).order_by("pk")
    return {
        "signups": [
            {
                "event": s.event.title,
                "starts_at": s.event.starts_at,
                "status": s.status,
                "signed_up_at": s.created_at,
                "cancelled_at": s.cancelled_at,
                "checked_in_at": s.checked_in_at,
            }
            for s in signups
        ],
        "organised_events": [
            {"title": e.title, "starts_at": e.starts_at, "state": e.state, "place": e.place}
            for e in organised
        ],
    }


def events_personal_data_erase(user: User) -> None:
    """Free the person's places (promoting the waiting list of events still to come), then
    delete their sign-ups; events they organised stay, without an organiser."""
    upcoming = EventSignup.objects.filter(
        user=user,
        status__in=[EventSignup.Status.CONFIRMED, EventSignup.Status.WAITING],
        event__starts_at__gt=timezone.now(),
    ).values_list("event_id", flat=True)
    for event_id in list(upcoming):
        signup_cancel(actor=user, event=event_id)
    for event_id in (
        EventSignup.objects.filter(user=user, status=EventSignup.Status.CONFIRMED)
        .values_list("event_id", flat=True)
        .distinct()
    ):
        # Past events: the place is freed in the count so the cap stays true.
        with transaction.atomic():
            _locked(event_id)
            gone = EventSignup.objects.filter(
                event_id=event_id, user=user, status=EventSignup.Status.CONFIRMED
            ).delete()[0]
            Event.objects.filter(pk=event_id).update(confirmed_count=F("confirmed_count") - gone)
    EventSignup.objects.filter(user=user).delete()
    Event.objects.filter(organiser=user).update(organiser=None)
