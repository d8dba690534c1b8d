"""Demo data for rumour control: two fact checks on the exercise incident (one approved by
a second person, one waiting for approval), a standalone fact check in public, and
residents' questions (one answered privately, one waiting in the staff queue).

The exercise incident is the one the volunteer call-out drill uses
(``alerts.demo_volunteers.exercise_alert_get_or_create``): whichever seeder runs first
publishes it, and the other finds it. Runs once: a second seed_demo finds the fact checks
by their claims and changes nothing."""

from __future__ import annotations

from alerts.demo_volunteers import EXERCISE_ALERT_HEADLINE, exercise_alert_get_or_create
from alerts.models import Alert, FactCheck, FactCheckQuestion
from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR, FACTCHECK_EDITOR
from alerts.services import factchecks as services
from civicportal.core import demo

demo.register_staff(FACTCHECK_EDITOR, local_part="rumours", display_name="Sigrún Jónsdóttir")

# The drill's incident, shared with the volunteer call-out seeder.
EXERCISE_HEADLINE = EXERCISE_ALERT_HEADLINE

EXERCISE_APPROVED = "The whole of Harbourside will be evacuated tonight."
EXERCISE_PENDING = "Drinking water in Riverside Park is unsafe because of the flood."
STANDALONE = "The council is closing every library in the city next month."


def exercise_incident(ctx: demo.DemoContext) -> Alert:
    """The exercise incident of the demo's drill (published by whichever seeder comes first)."""
    return exercise_alert_get_or_create(ctx)


@demo.register("alerts-rumours", order=415)
def seed_rumour_control(ctx: demo.DemoContext) -> None:
    if FactCheck.objects.filter(claim__in=[EXERCISE_APPROVED, STANDALONE]).exists():
        ctx.say("Rumour control: already seeded.")
        return
    author = ctx.staff[ALERT_AUTHOR]
    approver = ctx.staff[ALERT_APPROVER]
    editor = ctx.staff[FACTCHECK_EDITOR]
    drill = exercise_incident(ctx)

    asked = services.question_ask(
        actor=ctx.residents[0],
        text="A neighbour's post says all of Harbourside must leave tonight. Is that right?",
        link="https://social.example.net/@harbourwatch/1187",
    )
    approved = services.factcheck_create(
        actor=author,
        content=services.FactCheckContent(
            claim=EXERCISE_APPROVED,
            verdict="false",
            facts=(
                "Only the streets closest to the marina (Quay Street and Dock Lane) are asked "
                "to move upstairs or leave. Nobody else in Harbourside needs to go."
            ),
            sources=[
                {"title": "Exercise briefing", "url": "https://council.example.org/drill"},
            ],
            claim_url="https://social.example.net/@harbourwatch/1187",
            alert=drill,
        ),
        question=asked,
    )
    services.factcheck_submit(actor=author, fact_check=approved)
    services.factcheck_approve(
        actor=approver, fact_check=approved, version=services.factcheck_version(approved)
    )
    waiting = services.factcheck_create(
        actor=author,
        content=services.FactCheckContent(
            claim=EXERCISE_PENDING,
            verdict="unverified",
            facts="The water company is testing the supply; results are due this afternoon.",
            sources=[{"title": "Water company", "url": "https://water.example.org/status"}],
            alert=drill,
        ),
    )
    services.factcheck_submit(actor=author, fact_check=waiting)

    standalone = services.factcheck_create(
        actor=editor,
        content=services.FactCheckContent(
            claim=STANDALONE,
            verdict="misleading",
            facts=(
                "Two branch libraries move into the new community hub in March; every other "
                "library keeps its opening hours."
            ),
            sources=[
                {
                    "title": "Library services plan",
                    "url": "https://council.example.org/libraries/plan",
                }
            ],
        ),
    )
    services.factcheck_publish(actor=editor, fact_check=standalone)
    private = services.question_ask(
        actor=ctx.residents[1],
        text="Is it true that the recycling centre will charge for garden waste?",
    )
    services.question_answer(
        actor=editor,
        question=private,
        answer="No: garden waste stays free at the recycling centre. Only bulky items are charged.",
    )
    services.question_ask(
        actor=ctx.residents[2],
        text="I read that the Old Town bridge is closing for a year. Is it?",
    )
    ctx.say(
        f"Rumour control: 3 fact checks (2 on “{EXERCISE_HEADLINE}”, one waiting for "
        f"approval), {FactCheckQuestion.objects.count()} residents' questions."
    )
