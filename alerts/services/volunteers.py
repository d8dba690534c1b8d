"""Writes of volunteer call-outs: the register, call-outs and their fan-out, answers,
check-in and check-out, stand-down, the roster's CSV, and personal data.

A call-out reaches the registered volunteers it matches (``volunteers_for``) through the
notification engine on the urgent path (topic ``alerts.callout``): ``callout_fan_out`` runs
in a worker, walks the matches in pages of ``ALERTS_FANOUT_BATCH`` volunteers and writes
each page with one ``event_create`` (batch inserts, ON CONFLICT DO NOTHING) in its own
short transaction, so the first messages leave while later pages are written and a rerun
adds only what is missing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alerts.models import Alert, CallOut, CallOutResponse, Skill, VolunteerRegistration
from civicportal.accounts.models import Area, User
from civicportal.kernel.audit import audit_record
from civicportal.kernel.csv_export import csv_writer
from civicportal.kernel.validators import reject_control_characters
from civicportal.notifications.services import event_create
from civicportal.notifications.services.preferences import channels_for_recipients

logger = logging.getLogger(__name__)

CALLOUT_TOPIC = "alerts.callout"

SUBJECT = gettext_noop("Volunteers needed: %(task)s")
SUBJECT_EXERCISE = gettext_noop("EXERCISE, volunteers needed: %(task)s")
BODY = gettext_noop(
    "%(task)s\n\nWhere: %(place)s\nWhen: %(starts)s to %(ends)s\nPeople needed: %(needed)s"
    "\n\n%(details)s\n\nAccept or decline on the call-out's page."
)
BODY_EXERCISE = gettext_noop(
    "EXERCISE. This is a practice call-out, not a real emergency.\n\n%(task)s\n\n"
    "Where: %(place)s\nWhen: %(starts)s to %(ends)s\nPeople needed: %(needed)s\n\n"
    "%(details)s\n\nAccept or decline on the call-out's page."
)
ACTION = gettext_noop("Answer the call-out")
SUBJECT_STAND_DOWN = gettext_noop("Stand down: %(task)s")
BODY_STAND_DOWN = gettext_noop(
    "Thank you. The call-out “%(task)s” at %(place)s is over: you are no longer needed."
)
ACTION_STAND_DOWN = gettext_noop("See the call-out")

# --- The register ------------------------------------------------------------------------


def _clean_text(**fields: str) -> None:
    """Refuse control characters in any of ``fields`` (a ValidationError naming them)."""
    errors = {}
    for name, value in fields.items():
        try:
            reject_control_characters(value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def registration_save(
    *,
    user: User,
    skills: Iterable[Skill],
    areas: Iterable[Area],
    availability: str,
    consent: bool,
    receive_exercises: bool = False,
) -> VolunteerRegistration:
    """Put ``user`` on the register or change their entry (one per resident, upserted)."""
    skills, areas = list(skills), list(areas)
    _clean_text(availability=availability)
    if len(availability) > 300:
        raise ValidationError({"availability": _("Keep it to 300 characters.")})
    if any(not skill.active for skill in skills):
        raise ValidationError({"skills": _("One of these skills is no longer offered.")})
    registration, created = VolunteerRegistration.objects.select_for_update().get_or_create(
        user=user,
        defaults={
            "availability": availability,
            "consent": consent,
            "receive_exercises": receive_exercises,
        },
    )
    if not created:
        registration.availability = availability
        registration.consent = consent
        registration.receive_exercises = receive_exercises
        registration.updated_at = timezone.now()
        registration.save(
            update_fields=["availability", "consent", "receive_exercises", "updated_at"]
        )
    registration.skills.set(skills)
    registration.areas.set(areas)
    return registration


@transaction.atomic
def registration_delete(*, user: User) -> bool:
    """Take ``user`` off the register. Their answers to past call-outs stay on those
    rosters (staff need to know who came); erasure deletes them too. Returns whether there
    was an entry."""
    deleted, _rows = VolunteerRegistration.objects.filter(user=user).delete()
    return bool(deleted)


# --- Call-outs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallOutContent:
    task: str
    place: str
    starts_at: datetime
    ends_at: datetime
    needed: int
    details: str = ""
    skills: tuple[Skill, ...] = ()
    areas: tuple[Area, ...] = ()

    def validate(self, *, now: datetime | None = None) -> None:
        """Refuse what cannot be asked of anyone: a ValidationError per field."""
        now = now or timezone.now()
        _clean_text(task=self.task, place=self.place, details=self.details)
        errors: dict[str, list[str]] = {}
        if not self.task.strip():
            errors["task"] = [_("Say what the volunteers will do.")]
        if not self.place.strip():
            errors["place"] = [_("Say where the volunteers should go.")]
        if self.needed is None or self.needed < 1:
            errors["needed"] = [_("A call-out needs at least one person.")]
        elif self.needed > 10_000:
            errors["needed"] = [_("A call-out can ask for at most 10,000 people.")]
        if self.ends_at <= now:
            errors["ends_at"] = [_("The time window is already over: choose a later end.")]
        elif self.ends_at <= self.starts_at:
            errors["ends_at"] = [_("The end must be after the start.")]
        if errors:
            raise ValidationError(errors)


def callout_context(callout: CallOut) -> dict:
    """The call-out's notification: the author's words as parameters, times in the
    portal's time zone."""
    exercise = callout.alert.is_exercise

    def when(value: datetime) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

    return {
        "subject": SUBJECT_EXERCISE if exercise else SUBJECT,
        "body": BODY_EXERCISE if exercise else BODY,
        "action": ACTION,
        "url": callout.get_absolute_url(),
        "params": {
            "task": callout.task,
            "place": callout.place,
            "starts": when(callout.starts_at),
            "ends": when(callout.ends_at),
            "needed": callout.needed,
            "details": callout.details,
        },
    }


@transaction.atomic
def callout_create(*, actor: User, alert: Alert, content: CallOutContent) -> CallOut:
    """Post a call-out for ``alert`` (published or updated, not ended); its fan-out is
    enqueued on commit. Audited."""
    content.validate()
    if alert.state not in (Alert.State.PUBLISHED, Alert.State.UPDATED):
        raise ValidationError(_("Volunteers can only be called out for an alert in force."))
    callout = CallOut.objects.create(
        alert=alert,
        task=content.task.strip(),
        place=content.place.strip(),
        details=content.details.strip(),
        starts_at=content.starts_at,
        ends_at=content.ends_at,
        needed=content.needed,
        created_by=actor,
    )
    callout.skills.set(content.skills)
    callout.areas.set(content.areas)
    audit_record(
        actor=actor,
        obj=callout,
        action="alerts.callout.post",
        changes={"state": ("", callout.state), "needed": ("", callout.needed)},
    )
    transaction.on_commit(lambda: callout_fan_out_enqueue(callout_id=callout.pk))
    return callout


def volunteers_for(callout: CallOut) -> QuerySet[VolunteerRegistration]:
    """The registrations ``callout`` reaches: consenting active residents whose areas meet
    its areas (no areas on either side: everywhere) and who offer one of its skills (no
    skills asked: everyone); an exercise reaches only those who take part in exercises."""
    registrations = VolunteerRegistration.objects.filter(consent=True, user__is_active=True)
    area_ids = list(callout.areas.values_list("pk", flat=True))
    if area_ids:
        chosen = VolunteerRegistration.areas.through.objects.filter(
            volunteerregistration_id=OuterRef("pk")
        )
        registrations = registrations.filter(
            ~Exists(chosen) | Exists(chosen.filter(area_id__in=area_ids))
        )
    skill_ids = list(callout.skills.values_list("pk", flat=True))
    if skill_ids:
        offered = VolunteerRegistration.skills.through.objects.filter(
            volunteerregistration_id=OuterRef("pk"), skill_id__in=skill_ids
        )
        registrations = registrations.filter(Exists(offered))
    if callout.alert.is_exercise:
        registrations = registrations.filter(receive_exercises=True)
    return registrations


def callout_event_key(callout: CallOut) -> str:
    return f"alerts.callout.{callout.pk}"


_USER_FIELDS = ("id", "email", "is_active", "preferred_language")


# The channels that wake a phone: written for every volunteer before email and the inbox,
# as the alert fan-out does (alerts.services.fanout.PHONE_CHANNELS).
PHONE_CHANNELS = ("push", "sms")


def callout_fan_out(*, callout_id: int) -> int:
    """Write the call-out's deliveries to every matching volunteer; returns how many.

    Precondition: outside a transaction (each page commits, and is sent, on its own).
    Idempotent: the event key is fixed per call-out and ``event_create`` skips deliveries
    already written, so a retried task or the sweeper adds only the missing ones.
    Each volunteer gets the channels they keep on for the topic (urgent: never a digest).

    Three passes in user-id order, as the alert fan-out: the first chunk of volunteers on
    all their channels (so every channel has a first message queued at once), then the
    phone channels for everyone, then email and the inbox for everyone.
    """
    callout = CallOut.objects.select_related("alert").get(pk=callout_id)
    if not callout.is_open:
        return 0
    context = callout_context(callout)
    user_ids = volunteers_for(callout).values_list("user_id", flat=True).order_by("user_id")
    reached: set[int] = set()

    def write(channels: Callable[[str], bool], limit: int | None = None) -> None:
        last, left = 0, limit
        while left is None or left > 0:
            size = (
                settings.ALERTS_FANOUT_BATCH
                if left is None
                else min(left, settings.ALERTS_FANOUT_BATCH)
            )
            ids = list(user_ids.filter(user_id__gt=last)[:size])
            if not ids:
                return
            last = ids[-1]
            if left is not None:
                left -= len(ids)
            users = list(User.objects.filter(pk__in=ids).only(*_USER_FIELDS).order_by("pk"))
            plan = channels_for_recipients(CALLOUT_TOPIC, users, urgent=True)
            with transaction.atomic():
                event_create(
                    kind=CALLOUT_TOPIC,
                    recipients=users,
                    channels_for=lambda user, plan=plan: [
                        channel for channel in plan.channels_for(user) if channels(channel)
                    ],
                    context=context,
                    idempotency_key=callout_event_key(callout),
                    urgent=True,
                    source=callout,
                )
            reached.update(ids)

    write(lambda channel: True, limit=settings.NOTIFICATIONS_CHUNK_SIZE)
    write(lambda channel: channel in PHONE_CHANNELS)
    write(lambda channel: channel not in PHONE_CHANNELS)
    CallOut.objects.filter(pk=callout.pk, fanout_completed_at__isnull=True).update(
        fanout_completed_at=timezone.now()
    )
    logger.info("Call-out %s sent to %d volunteers", callout.pk, len(reached))
    return len(reached)


def callout_fan_out_enqueue(*, callout_id: int) -> bool:
    """Hand the fan-out to a worker on the urgent queue (call on commit). Never raises: the
    sweeper starts it later when the broker is unreachable."""
    from alerts.tasks import callout_fan_out_task

    try:
        callout_fan_out_task.apply_async(args=(callout_id,), queue=settings.URGENT_QUEUE)
    except Exception:
        logger.exception("Could not enqueue the fan-out of call-out %s", callout_id)
        return False
    return True


def callout_fan_outs_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue open call-outs whose fan-out has not finished ``ALERTS_FANOUT_STALE_AFTER``
    seconds after posting. Beat job; safe to run twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ALERTS_FANOUT_STALE_AFTER)
    ids = list(
        CallOut.objects.filter(
            state=CallOut.State.OPEN, fanout_completed_at__isnull=True, created_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for callout_id in ids:
        callout_fan_out_enqueue(callout_id=callout_id)
    return len(ids)


# --- Answers -----------------------------------------------------------------------------


@transaction.atomic
def callout_respond(*, actor: User, callout: CallOut, answer: str) -> CallOutResponse:
    """Record ``actor``'s answer (accept or decline; they may change their mind).

    Read-then-write under ``select_for_update()`` on the call-out row: concurrent accepts
    queue on that lock, so ``accepted_count`` is read and raised by one at a time and never
    passes ``needed`` (the database's check constraint refuses it too). A full call-out
    refuses an accept with a ValidationError and changes nothing.
    """
    if answer not in CallOutResponse.Answer.values:
        raise ValidationError({"answer": _("Answer accept or decline.")})
    callout = CallOut.objects.select_for_update().select_related("alert").get(pk=callout.pk)
    if not callout.is_open:
        raise ValidationError(_("This call-out has been stood down: no answer is needed."))
    if callout.ends_at <= timezone.now():
        raise ValidationError(_("This call-out's time window is over: no answer is needed."))
    if not volunteers_for(callout).filter(user=actor).exists():
        raise ValidationError(
            _("This call-out is for registered volunteers with the skills and areas it asks.")
        )
    response = CallOutResponse.objects.filter(callout=callout, user=actor).first()
    before = response.answer if response else None
    if before == answer:
        return response
    accepted = CallOutResponse.Answer.ACCEPTED
    if answer == accepted:
        if callout.accepted_count >= callout.needed:
            raise ValidationError(
                _("Thank you, but all %(needed)s places are already taken.")
                % {"needed": callout.needed}
            )
        callout.accepted_count += 1
    elif before == accepted:
        callout.accepted_count -= 1
    callout.save(update_fields=["accepted_count"])
    if response is None:
        response = CallOutResponse.objects.create(callout=callout, user=actor, answer=answer)
    else:
        response.answer = answer
        response.answered_at = timezone.now()
        response.checked_in_at = response.checked_out_at = None
        response.save(update_fields=["answer", "answered_at", "checked_in_at", "checked_out_at"])
    return response


@transaction.atomic
def response_check(*, actor: User, response: CallOutResponse, step: str) -> CallOutResponse:
    """Check an accepted volunteer in (``step="in"``) or out (``"out"``). Audited; the
    row is locked so two staff pressing at once record one time."""
    response = CallOutResponse.objects.select_for_update().get(pk=response.pk)
    if response.answer != CallOutResponse.Answer.ACCEPTED:
        raise ValidationError(_("Only volunteers who accepted can be checked in or out."))
    now = timezone.now()
    if step == "in":
        if response.checked_in_at is not None:
            raise ValidationError(_("This volunteer is already checked in."))
        field = "checked_in_at"
    elif step == "out":
        if response.checked_in_at is None:
            raise ValidationError(_("Check this volunteer in before checking them out."))
        if response.checked_out_at is not None:
            raise ValidationError(_("This volunteer is already checked out."))
        field = "checked_out_at"
    else:
        raise ValidationError(_("Choose check in or check out."))
    setattr(response, field, now)
    response.save(update_fields=[field])
    audit_record(
        actor=actor,
        obj=response.callout,
        action=f"alerts.callout.check_{step}",
        changes={f"volunteer {response.user_id} {field}": ("", now)},
    )
    return response


@transaction.atomic
def callout_stand_down(*, actor: User, callout: CallOut) -> CallOut:
    """End the call-out and tell everyone who accepted (urgent, their channels). Locks the
    row so a late accept waits and then finds it stood down. Audited."""
    callout = CallOut.objects.select_for_update().select_related("alert").get(pk=callout.pk)
    if not callout.is_open:
        raise ValidationError(_("This call-out has already been stood down."))
    callout.state = CallOut.State.STOOD_DOWN
    callout.stood_down_at = timezone.now()
    callout.save(update_fields=["state", "stood_down_at"])
    audit_record(
        actor=actor,
        obj=callout,
        action="alerts.callout.stand_down",
        changes={"state": (CallOut.State.OPEN, callout.state)},
    )
    accepted = list(
        User.objects.filter(
            callout_responses__callout=callout,
            callout_responses__answer=CallOutResponse.Answer.ACCEPTED,
        ).only(*_USER_FIELDS)
    )
    plan = channels_for_recipients(CALLOUT_TOPIC, accepted, urgent=True)
    event_create(
        kind=CALLOUT_TOPIC,
        recipients=accepted,
        channels_for=plan.channels_for,
        context={
            "subject": SUBJECT_STAND_DOWN,
            "body": BODY_STAND_DOWN,
            "action": ACTION_STAND_DOWN,
            "url": callout.get_absolute_url(),
            "params": {"task": callout.task, "place": callout.place},
        },
        idempotency_key=f"alerts.callout.{callout.pk}.stand_down",
        urgent=True,
        source=callout,
    )
    return callout


# --- Roster export and personal data ------------------------------------------------------


def roster_csv_write(file, *, responses: Iterable[CallOutResponse]) -> None:
    """The roster as CSV (the platform's writer neutralises formula-like cells)."""
    writer = csv_writer(file)
    writer.writerow(
        [_("Name"), _("Email"), _("Answer"), _("Answered at"), _("Checked in"), _("Checked out")]
    )
    for response in responses:
        writer.writerow(
            [
                str(response.user),
                response.user.email,
                response.get_answer_display(),
                response.answered_at.isoformat(),
                response.checked_in_at.isoformat() if response.checked_in_at else "",
                response.checked_out_at.isoformat() if response.checked_out_at else "",
            ]
        )


def volunteers_personal_data_export(user: User) -> dict:
    registration = (
        VolunteerRegistration.objects.filter(user=user).prefetch_related("skills", "areas").first()
    )
    return {
        "registration": None
        if registration is None
        else {
            "skills": [skill.name for skill in registration.skills.all()],
            "areas": [area.name for area in registration.areas.all()],
            "availability": registration.availability,
            "consent": registration.consent,
            "receive_exercises": registration.receive_exercises,
            "created_at": registration.created_at,
            "updated_at": registration.updated_at,
        },
        "callout_responses": [
            {
                "callout": response.callout_id,
                "task": response.callout.task,
                "answer": response.answer,
                "answered_at": response.answered_at,
                "checked_in_at": response.checked_in_at,
                "checked_out_at": response.checked_out_at,
            }
            for response in CallOutResponse.objects.filter(user=user).select_related("callout")
        ],
    }


@transaction.atomic
def volunteers_personal_data_erase(user: User) -> None:
    """Delete the registration and the answers; the places they held are given back
    (each call-out locked while its count drops)."""
    VolunteerRegistration.objects.filter(user=user).delete()
    accepted = CallOutResponse.objects.filter(user=user, answer=CallOutResponse.Answer.ACCEPTED)
    for callout in CallOut.objects.select_for_update().filter(
        Q(pk__in=accepted.values("callout_id"))
    ):
        callout.accepted_count -= 1
        callout.save(update_fields=["accepted_count"])
    CallOutResponse.objects.filter(user=user).delete()
