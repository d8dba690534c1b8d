"""seed_demo's who takes part: population figures for every age band and district, the
demo residents' answers (some "prefer not to say", some skipped), eight weeks of visits
through the shared links, each resident's sign-up, and a dashboard with figures to show;
a second run changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from civicportal.accounts.models import Area
from civicportal.audience import selectors
from civicportal.audience.demo import AGE_BAND_POPULATION, POPULATION_NOTE, participation_demo
from civicportal.audience.models import (
    Participation,
    PopulationFigure,
    ProfileAnswer,
    ProfileChoice,
    ProfileQuestion,
    ProfileQuestionsAsked,
    SourceVisit,
)
from civicportal.audience.models.profile import AGE_BAND, DISTRICT
from civicportal.audience.services import participation_record
from tests.accounts.factories import UserFactory
from tests.demo import seed_demo

pytestmark = pytest.mark.django_db

User = get_user_model()


def _rows() -> dict[str, list]:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            PopulationFigure,
            ProfileAnswer,
            ProfileQuestionsAsked,
            SourceVisit,
            Participation,
        )
    }


def test_seed_demo_gives_a_population_figure_to_every_age_band_and_district():
    seed_demo()
    age = ProfileQuestion.objects.get(key=AGE_BAND)
    district = ProfileQuestion.objects.get(key=DISTRICT)
    bands = ProfileChoice.objects.filter(question=age)
    assert PopulationFigure.objects.filter(question=age).count() == bands.count() == 8
    assert PopulationFigure.objects.filter(question=district).count() == Area.objects.count()
    total = sum(PopulationFigure.objects.filter(question=age).values_list("count", flat=True))
    assert total == sum(AGE_BAND_POPULATION.values()) == 20000
    in_districts = PopulationFigure.objects.filter(question=district).values_list(
        "count", flat=True
    )
    assert 18000 <= sum(in_districts) <= 22000
    assert set(PopulationFigure.objects.values_list("source_note", flat=True)) == {POPULATION_NOTE}


def test_seed_demo_answers_the_questions_for_the_residents_some_declining_some_skipping():
    seed_demo()
    residents = User.objects.filter(is_staff=False)
    asked = ProfileQuestionsAsked.objects.filter(user__in=residents)
    assert asked.count() == residents.count()
    assert 0 < asked.filter(skipped=True).count() < residents.count() / 4
    answers = ProfileAnswer.objects.filter(user__in=residents)
    assert answers.filter(declined=True, question__key=AGE_BAND).exists()
    assert answers.filter(declined=True, question__key=DISTRICT).exists()
    assert answers.filter(question__key=AGE_BAND, choice__isnull=False).count() > 20
    assert answers.filter(question__key=DISTRICT, area__isnull=False).count() > 20
    answering = asked.filter(skipped=False).values_list("user_id", flat=True)
    left_blank = residents.filter(pk__in=answering).exclude(
        audience_answers__question__key=DISTRICT
    )
    assert left_blank.exists()  # a question left blank is no answer at all
    for answer in answers.select_related("user"):
        assert answer.user.date_joined < answer.answered_at < timezone.now()


def test_seed_demo_counts_eight_weeks_of_visits_and_every_residents_sign_up():
    seed_demo()
    today = timezone.localdate()
    visits = SourceVisit.objects.all()
    assert set(visits.values_list("source", flat=True)) == {
        "mastodon",
        "bluesky",
        "facebook",
        "poster",
    }
    days = visits.values_list("day", flat=True)
    assert min(days) == today - timedelta(weeks=8) and max(days) < today
    assert all(0 < count < 30 for count in visits.values_list("count", flat=True))

    signups = Participation.objects.filter(
        module=selectors.SIGNUP_MODULE, action=selectors.SIGNUP_ACTION
    ).select_related("user")
    assert signups.count() == User.objects.filter(is_staff=False).count()
    for signup in signups:
        assert signup.day == timezone.localdate(signup.user.date_joined)
    assert {"", "mastodon", "bluesky", "facebook", "poster"} <= set(
        signups.values_list("source", flat=True)
    )
    # The modules add their residents' participations, each on the day they took part.
    taking_part = Participation.objects.exclude(module=selectors.SIGNUP_MODULE)
    assert taking_part.values("user").distinct().count() >= 10
    assert taking_part.filter(day__lt=today).exists()


def test_the_demo_dashboard_has_figures_to_show_and_hides_the_small_groups():
    seed_demo()
    today = timezone.localdate()
    dashboard = selectors.dashboard_get(
        filters=selectors.Filters(date_from=today - timedelta(days=60), date_to=today)
    )
    visits, _signups, taking_part = dashboard.time_tables
    assert visits.total.count > 500
    assert taking_part.total.count >= 10
    for table in dashboard.profile_tables:
        assert table.population_total > 0 and table.population_notes
        assert table.total.count >= 10
        # A handful of residents per answer: hidden, as the threshold says.
        assert any(row.participants.hidden for row in table.rows)


def test_seed_demo_twice_changes_nothing_in_who_takes_part():
    seed_demo()
    before = _rows()
    assert all(before.values()), [name for name, rows in before.items() if not rows]
    seed_demo()
    assert _rows() == before


def test_a_demo_participation_is_dated_and_replaces_the_services_copy_of_today(
    django_capture_on_commit_callbacks,
):
    resident = UserFactory()
    five_days_ago = timezone.now() - timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        # What a module's seeder does: call its service (which records today, on commit),
        # then say when the resident really took part.
        participation_record(user=resident, module="tests", action="story")
        assert participation_demo(
            user=resident, module="tests", action="story", at=five_days_ago, source="mastodon"
        )
        assert not participation_demo(
            user=resident, module="tests", action="story", at=five_days_ago, source="poster"
        )
    assert list(Participation.objects.values_list("day", "source")) == [
        (timezone.localdate(five_days_ago), "mastodon")
    ]
