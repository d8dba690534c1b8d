"""Demo data: an open consultation with answers and a draft to comment on, and a closed
one with published results."""

from __future__ import annotations

from datetime import timedelta

from civicportal.core import demo
from consultations.models import (
    Audience,
    Choice,
    Consultation,
    DraftDocument,
    Paragraph,
    Question,
    Response,
    ResponseReport,
    Section,
)
from consultations.roles import CONSULTATION_MANAGER
from consultations.services import response_submit

demo.register_staff(CONSULTATION_MANAGER, local_part="consultations", display_name="Clara Nguyen")

OPEN_SLUG = "riverside-park-plan"
CLOSED_SLUG = "library-opening-hours"
Kind = Question.Kind


def _question(consultation, order, text, kind, choices=(), **fields) -> Question:
    question = Question.objects.create(
        consultation=consultation, order=order, text=text, kind=kind, **fields
    )
    for index, label in enumerate(choices):
        Choice.objects.create(question=question, order=index, label=label)
    return question


def _park_questionnaire(consultation) -> list[Question]:
    visit = _question(
        consultation,
        1,
        "Do you visit Riverside Park?",
        Kind.YES_NO,
        required=True,
    )
    often = _question(
        consultation,
        2,
        "How often do you go there?",
        Kind.SINGLE,
        ["Every day", "Every week", "A few times a year"],
        depends_on=visit,
        depends_on_answer="yes",
    )
    wanted = _question(
        consultation,
        3,
        "What should the park offer?",
        Kind.MULTIPLE,
        ["More benches", "A playground", "Toilets", "Outdoor gym", "Wildflower meadow"],
        allow_other=True,
    )
    rating = _question(
        consultation,
        4,
        "How safe do you feel in the park after dark?",
        Kind.RATING,
        rating_min=1,
        rating_max=5,
        rating_min_label="Not safe",
        rating_max_label="Very safe",
    )
    ranking = _question(
        consultation,
        5,
        "Put these priorities in order",
        Kind.RANKING,
        ["Lighting", "Paths", "Trees", "Seating"],
    )
    idea = _question(consultation, 6, "Anything else we should know?", Kind.TEXT, max_length=1000)
    return [visit, often, wanted, rating, ranking, idea]


def _answered_at(response: Response, moment) -> None:
    """Say the resident sent their answers at ``moment`` (and has not changed them since)."""
    Response.objects.filter(pk=response.pk).update(created_at=moment, updated_at=moment)


@demo.register("consultations", order=250)
def seed_consultations(ctx: demo.DemoContext) -> None:
    """Runs once: a second seed_demo finds the consultations by their slugs."""
    if Consultation.objects.filter(slug__in=[OPEN_SLUG, CLOSED_SLUG]).exists():
        ctx.say("Consultations: already seeded.")
        return
    now = ctx.now
    manager = ctx.staff.get(CONSULTATION_MANAGER)
    rng = ctx.random
    area = ctx.areas[0] if ctx.areas else None
    park = Consultation.objects.create(
        title="A new plan for Riverside Park",
        slug=OPEN_SLUG,
        summary=(
            "The council is redesigning **Riverside Park**. Tell us how you use the park "
            "today and what it should offer, and comment on the draft plan paragraph by "
            "paragraph."
        ),
        area=area,
        opens_at=now - timedelta(days=5),
        closes_at=now + timedelta(days=25),
        audience=Audience.SIGNED_IN,
        is_published=True,
        opened_announced_at=now - timedelta(days=5),
        created_by=manager,
        created_at=now - timedelta(days=12),
    )
    demo.history_backdate(park, park.created_at)
    visit, often, wanted, rating, ranking, idea = _park_questionnaire(park)
    draft = DraftDocument.objects.create(consultation=park, title="Draft park plan")
    for order, (heading, paragraphs) in enumerate(
        [
            (
                "Paths and lighting",
                [
                    "The main path along the river will be widened to 3 metres and lit "
                    "with low, warm lamps that do not disturb the bats.",
                    "Side paths stay unlit to keep the meadow dark at night.",
                ],
            ),
            (
                "Play and rest",
                [
                    "A natural playground with logs and sand replaces the old climbing frame.",
                    "Twenty new benches with backrests are placed every 100 metres.",
                ],
            ),
        ]
    ):
        section = Section.objects.create(draft=draft, title=heading, order=order)
        for index, text in enumerate(paragraphs):
            Paragraph.objects.create(section=section, order=index, text=text)

    residents = [r for r in ctx.residents if not r.is_staff][:30]
    choice_ids = {q.pk: [c.pk for c in q.choices.all()] for q in (often, wanted, ranking)}
    for resident in residents:
        goes = rng.random() < 0.8
        answers = {visit.pk: {"value": "yes" if goes else "no"}}
        if goes:
            answers[often.pk] = {"choice": rng.choice(choice_ids[often.pk])}
        answers[wanted.pk] = {"choices": rng.sample(choice_ids[wanted.pk], rng.randint(1, 3))}
        answers[rating.pk] = {"value": rng.randint(1, 5)}
        order = list(choice_ids[ranking.pk])
        rng.shuffle(order)
        answers[ranking.pk] = {"order": order}
        if rng.random() < 0.3:
            answers[idea.pk] = {
                "text": rng.choice(
                    [
                        "Please keep the old oak trees.",
                        "A dog area would help.",
                        "More bins, please.",
                    ]
                )
            }
        response = response_submit(consultation=park, user=resident, answers=answers)
        _answered_at(response, ctx.between(max(park.opens_at, resident.date_joined), now))

    library = Consultation.objects.create(
        title="Library opening hours",
        slug=CLOSED_SLUG,
        summary="Should the central library open later in the evening and on Sundays?",
        area=None,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        audience=Audience.EVERYONE,
        is_published=True,
        created_by=manager,
    )
    evenings = _question(
        library,
        1,
        "Should the library open until 21:00 on weekdays?",
        Kind.YES_NO,
        required=True,
        allow_comment=True,
    )
    sunday = _question(
        library,
        2,
        "Which Sunday hours suit you best?",
        Kind.SINGLE,
        ["10:00-14:00", "12:00-16:00", "14:00-18:00", "I would not come on Sundays"],
    )
    sunday_ids = [c.pk for c in sunday.choices.all()]
    # It ran last month, answered while it was open; its results are out. (The services
    # take answers only while a consultation is open, so it is dated back afterwards.)
    opened, closed = now - timedelta(days=45), now - timedelta(days=15)
    published = now - timedelta(days=10)
    answered = []
    for resident in residents[:20]:
        response = response_submit(
            consultation=library,
            user=resident,
            answers={
                evenings.pk: {"value": "yes" if rng.random() < 0.65 else "no"},
                sunday.pk: {"choice": rng.choice(sunday_ids)},
            },
        )
        answered.append((response, ctx.between(max(opened, resident.date_joined), closed)))
    Consultation.objects.filter(pk=library.pk).update(
        created_at=opened - timedelta(days=7),
        opens_at=opened,
        closes_at=closed,
        opened_announced_at=opened,
        results_published_at=published,
    )
    demo.history_backdate(library, opened - timedelta(days=7))
    for response, moment in answered:
        _answered_at(response, moment)
    ResponseReport.objects.create(
        consultation=library,
        body=(
            "Most residents want longer weekday hours. From next month the central library "
            "stays open until 21:00 from Monday to Thursday; Sunday opening is tried from "
            "12:00 to 16:00 for six months."
        ),
        published_at=published,
        published_by=manager,
        created_at=published - timedelta(days=2),
    )
    ctx.say(
        f"Consultations: “{park.title}” open with {len(residents)} responses and a draft to "
        f"comment on; “{library.title}” closed with published results."
    )
