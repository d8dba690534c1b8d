"""Demo data for who takes part: the council's population figures for every age band and
district, the demo residents' answers to the voluntary questions (some prefer not to say,
some skipped them), eight weeks of visits through the social and poster links, and each
resident's sign-up as the sign-up hook records it.

The modules add their own residents' participations from their demo files, dated when the
resident took part, with ``participation_demo`` (the platform names no module). With about
forty demo residents most of the dashboard's cells say "fewer than 10": that is the
suppression working (``AUDIENCE_MIN_GROUP``), not missing data.

Runs once: a second seed_demo finds every row by its natural key and changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from civicportal.audience import sources
from civicportal.audience.models import (
    Participation,
    PopulationFigure,
    ProfileAnswer,
    ProfileQuestion,
    ProfileQuestionsAsked,
    SourceVisit,
)
from civicportal.audience.models.profile import AGE_BAND, DISTRICT
from civicportal.audience.selectors import SIGNUP_ACTION, SIGNUP_MODULE
from civicportal.audience.services import (
    DECLINED,
    builtin_questions_ensure,
    profile_answers_save,
    profile_questions_skip,
)
from civicportal.core import demo

POPULATION_NOTE = "Riverside council population register (demo figures)"
# A town of 20,000: people per age band, and per district (the city's area slugs).
AGE_BAND_POPULATION = {
    "under-18": 4200,
    "18-24": 1800,
    "25-34": 2600,
    "35-44": 2700,
    "45-54": 2800,
    "55-64": 2500,
    "65-74": 2000,
    "75-plus": 1400,
}
DISTRICT_POPULATION = {
    "southmead": 3400,
    "old-town": 1900,
    "harbourside": 2400,
    "eastgate": 4100,
    "westhill": 2100,
    "northfield": 3800,
    "millbrook": 1500,
    "riverside-park": 800,
}
# Residents are mostly grown-ups; the portal's youngest members are 16 and 17.
AGE_BAND_WEIGHTS = {
    "under-18": 1,
    "18-24": 3,
    "25-34": 6,
    "35-44": 6,
    "45-54": 5,
    "55-64": 4,
    "65-74": 3,
    "75-plus": 1,
}
# The links the council shares (AUDIENCE_SOURCES); those not configured are left out.
VISIT_SOURCES = {"mastodon": (2, 9), "bluesky": (1, 6), "facebook": (3, 12), "poster": (0, 4)}
VISIT_WEEKS = 8
SIGNUP_SOURCES = ["", "facebook", "", "mastodon", "poster", "", "bluesky", "facebook"]


def participation_demo(*, user, module: str, action: str, at: datetime, source: str = "") -> bool:
    """Record that ``user`` took part (``module``/``action``) on ``at``'s day through
    ``source``, as ``participation_record`` does for a request, unless a participation of
    that kind of theirs is already here. True when recorded.

    For the modules' demo files, which tell of the past: the service their seeder called
    records the same participation as today's, without a source, when the seed commits;
    that copy is dropped then (callbacks run in the order they were registered)."""
    if Participation.objects.filter(user=user, module=module, action=action).exists():
        return False
    row = Participation.objects.create(
        user=user,
        module=module,
        action=action,
        source=sources.source_clean(source),
        day=timezone.localdate(at),
    )

    def drop_todays_copy() -> None:
        Participation.objects.filter(
            user=user, module=module, action=action, source="", day=timezone.localdate()
        ).exclude(pk=row.pk).delete()

    transaction.on_commit(drop_todays_copy, robust=True)
    return True


def _population(ctx: demo.DemoContext, as_of: date) -> int:
    builtin_questions_ensure()
    made = 0
    age = ProfileQuestion.objects.filter(key=AGE_BAND).first()
    if age is not None:
        for choice in age.choices.all():
            if choice.key in AGE_BAND_POPULATION:
                _figure, created = PopulationFigure.objects.get_or_create(
                    question=age,
                    choice=choice,
                    defaults={
                        "count": AGE_BAND_POPULATION[choice.key],
                        "as_of": as_of,
                        "source_note": POPULATION_NOTE,
                    },
                )
                made += created
    district = ProfileQuestion.objects.filter(key=DISTRICT).first()
    if district is not None and ctx.areas:
        fallback = round(sum(DISTRICT_POPULATION.values()) / len(ctx.areas), -2)
        for area in ctx.areas:
            _figure, created = PopulationFigure.objects.get_or_create(
                question=district,
                area=area,
                defaults={
                    "count": DISTRICT_POPULATION.get(area.slug, fallback),
                    "as_of": as_of,
                    "source_note": POPULATION_NOTE,
                },
            )
            made += created
    return made


def _answers(ctx: demo.DemoContext) -> tuple[int, int]:
    """Answers of the residents not asked yet, dated a few minutes after they joined (the
    questions come right after sign-up). Returns (answered, skipped)."""
    rng = random.Random(demo.RANDOM_SEED + 21)
    bands = list(AGE_BAND_WEIGHTS)
    weights = list(AGE_BAND_WEIGHTS.values())
    answered = skipped = 0
    for index, resident in enumerate(ctx.residents):
        band = rng.choices(bands, weights)[0]
        if ProfileQuestionsAsked.objects.filter(user=resident).exists():
            continue
        asked_at = resident.date_joined + timedelta(minutes=3)
        if index % 7 == 6:
            profile_questions_skip(user=resident)
            skipped += 1
        else:
            area = resident.home_area
            if index % 9 == 4:
                district = DECLINED
            elif index % 8 == 5 or area is None:
                district = ""  # left blank: unanswered
            else:
                district = area.slug
            answers = {AGE_BAND: DECLINED if index % 6 == 2 else band, DISTRICT: district}
            saved = profile_answers_save(user=resident, answers=answers)
            for answer in saved:
                ProfileAnswer.objects.filter(pk=answer.pk).update(answered_at=asked_at)
            answered += 1
        ProfileQuestionsAsked.objects.filter(user=resident).update(asked_at=asked_at)
    return answered, skipped


def _visits(ctx: demo.DemoContext) -> int:
    """A few visits a day through each shared link, more at weekends, for eight weeks up to
    yesterday (today's are counted as they come)."""
    configured = [source for source in VISIT_SOURCES if sources.source_clean(source)]
    if not configured or SourceVisit.objects.filter(source__in=configured).exists():
        return 0
    rng = random.Random(demo.RANDOM_SEED + 22)
    today = timezone.localdate(ctx.now)
    rows = []
    for days_ago in range(VISIT_WEEKS * 7, 0, -1):
        day = today - timedelta(days=days_ago)
        weekend = day.weekday() >= 5
        for source in configured:
            low, high = VISIT_SOURCES[source]
            count = rng.randint(low, high) + (2 if weekend else 0)
            if count:
                rows.append(SourceVisit(day=day, source=source, count=count))
    SourceVisit.objects.bulk_create(rows)
    return len(rows)


def _signups(ctx: demo.DemoContext) -> int:
    """Each resident's account as the sign-up hook records it, some through a link."""
    return sum(
        participation_demo(
            user=resident,
            module=SIGNUP_MODULE,
            action=SIGNUP_ACTION,
            at=resident.date_joined,
            source=SIGNUP_SOURCES[index % len(SIGNUP_SOURCES)],
        )
        for index, resident in enumerate(ctx.residents)
    )


@demo.register("audience", order=30)
def seed_audience(ctx: demo.DemoContext) -> None:
    """Population figures, profile answers, visits and sign-ups (after the city)."""
    if not ctx.residents or not ctx.areas:
        ctx.say("Who takes part: skipped (the city has no residents or no areas).")
        return
    as_of = timezone.localdate(ctx.now).replace(month=1, day=1)
    figures = _population(ctx, as_of)
    answered, skipped = _answers(ctx)
    visits = _visits(ctx)
    signups = _signups(ctx)
    ctx.say(
        f"Who takes part: {figures} population figures, {answered} residents answered the "
        f"profile questions ({skipped} skipped them), {visits} daily counts of visits through "
        f"shared links, {signups} sign-ups. Groups under 10 show as “fewer than 10”."
    )
