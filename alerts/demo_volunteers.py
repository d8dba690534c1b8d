"""Demo data for volunteer call-outs: the staff-kept skills, residents on the volunteer
register, and an EXERCISE incident (a flood drill) with a call-out some volunteers have
answered. Through the services (two people publish the exercise alert). Runs once: a
second seed_demo finds the call-out by its task and changes nothing.

The exercise alert is found by ``EXERCISE_ALERT_HEADLINE`` with a CAP status other than
Actual (``exercise_alert_get_or_create``); other seeders that need an exercise incident
reuse it rather than create a second one."""

from __future__ import annotations

from datetime import timedelta

from alerts import services
from alerts.demo import _content, _publish
from alerts.models import Alert, CallOut, CapStatus, Severity, Skill
from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
from alerts.services import volunteers
from civicportal.core import demo

EXERCISE_ALERT_HEADLINE = "EXERCISE: flood drill at Harbourside"
CALLOUT_TASK = "Run the sign-in desk at the Harbourside rest centre"
SKILLS = [
    ("First aid", "A current first aid certificate."),
    ("Driving (car)", "A full driving licence and a car."),
    ("Driving (minibus)", "A D1 licence or minibus permit."),
    ("Lifting and carrying", "Sandbags, furniture, supplies."),
    ("Cooking for groups", "Hot food for a rest centre."),
    ("Polish", "Speaks Polish."),
    ("Ukrainian", "Speaks Ukrainian."),
    ("Arabic", "Speaks Arabic."),
    ("British Sign Language", "Signs BSL."),
    ("Admin and reception", "Sign-in desks, lists, phones."),
]


def exercise_alert_get_or_create(ctx: demo.DemoContext) -> Alert:
    """The demo's exercise incident: the alert headed ``EXERCISE_ALERT_HEADLINE`` with an
    exercise status, published by two people now if there is none yet."""
    existing = (
        Alert.objects.filter(headline=EXERCISE_ALERT_HEADLINE)
        .exclude(status=CapStatus.ACTUAL)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    author = ctx.staff[ALERT_AUTHOR]
    approver = ctx.staff[ALERT_APPROVER]
    alert = services.alert_draft_create(
        actor=author,
        status=CapStatus.EXERCISE,
        content=_content(
            ctx,
            event="Flood exercise",
            headline=EXERCISE_ALERT_HEADLINE,
            severity=Severity.MODERATE,
            description="A practice of the council's flood response; no water is rising.",
            instruction="Volunteers taking part: answer the call-out on your call-outs page.",
            areas=list(ctx.areas)[:2],
        ),
    )
    _publish(author, approver, alert)
    alert.refresh_from_db()
    return alert


@demo.register("alerts-volunteers", order=410)
def seed_volunteers(ctx: demo.DemoContext) -> None:
    if CallOut.objects.filter(task=CALLOUT_TASK).exists():
        ctx.say("Volunteers: already seeded.")
        return
    skills = [
        Skill.objects.get_or_create(name=name, defaults={"description": description})[0]
        for name, description in SKILLS
    ]
    residents = list(ctx.residents[:24])
    for index, resident in enumerate(residents):
        offered = [skills[index % len(skills)], skills[(index * 3 + 1) % len(skills)]]
        volunteers.registration_save(
            user=resident,
            skills=offered,
            areas=[resident.home_area] if resident.home_area and index % 4 else [],
            availability=("Weekday evenings" if index % 2 else "Weekends and nights"),
            consent=True,
            # Most take part in exercises: the call-out below is one.
            receive_exercises=index % 3 != 0,
        )
    alert = exercise_alert_get_or_create(ctx)
    author = ctx.staff[ALERT_AUTHOR]
    callout = volunteers.callout_create(
        actor=author,
        alert=alert,
        content=volunteers.CallOutContent(
            task=CALLOUT_TASK,
            place="Harbourside community centre, Quay Street",
            # Needed now: the first volunteer to answer is already checked in.
            starts_at=ctx.now,
            ends_at=ctx.now + timedelta(hours=4),
            needed=6,
            details="Greet evacuees, take names and needs, hand out blankets. Training given.",
            skills=tuple(s for s in skills if s.name in ("Admin and reception", "First aid")),
        ),
    )
    volunteers.callout_fan_out(callout_id=callout.pk)
    reached = list(volunteers.volunteers_for(callout).select_related("user")[:5])
    for index, registration in enumerate(reached):
        volunteers.callout_respond(
            actor=registration.user,
            callout=callout,
            answer="declined" if index == 4 else "accepted",
        )
    first = callout.responses.filter(answer="accepted").order_by("answered_at").first()
    if first is not None:
        volunteers.response_check(actor=author, response=first, step="in")
    ctx.say(
        f"Volunteers: {len(residents)} on the register, an exercise call-out "
        f"({callout.responses.count()} answers)."
    )
