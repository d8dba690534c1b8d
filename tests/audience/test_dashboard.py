"""The staff dashboard "Who takes part": figures against the population, per source and
module, over time, its CSV; groups under 10 never shown; administrators only; bad query
strings answered with a message."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civicportal.audience import selectors
from civicportal.audience.models import PopulationFigure, ProfileQuestion, SourceVisit
from civicportal.core import staff_screens
from tests.audience.helpers import took_part

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("audience:dashboard")
CSV = reverse("audience:dashboard-csv")
HIDDEN = "fewer than 10"


@pytest.fixture
def tenure(db):
    """A question the council added, with three answers and population figures."""
    question = ProfileQuestion.objects.create(key="tenure", label="Your home is", order=30)
    for order, (key, label, people) in enumerate(
        [("owned", "Owned", 500), ("rented", "Rented", 300), ("social", "Social housing", 200)]
    ):
        choice = question.choices.create(key=key, label=label, order=order)
        PopulationFigure.objects.create(
            question=question, choice=choice, count=people, source_note="Census 2021"
        )
    return question


def filters(**kwargs) -> selectors.Filters:
    today = timezone.localdate()
    return selectors.Filters(
        date_from=kwargs.pop("date_from", today - timedelta(days=30)), date_to=today, **kwargs
    )


def table_of(dashboard, key):
    return next(t for t in dashboard.profile_tables if t.question.key == key)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_participants_against_the_population_with_complementary_suppression(tenure):
    took_part(12, answers={"tenure": "owned"}, source="bluesky")
    took_part(11, answers={"tenure": "rented"})
    took_part(3, answers={"tenure": "social"})
    table = table_of(selectors.dashboard_get(filters=filters()), "tenure")
    rows = {row.label: row for row in table.rows}
    assert rows["Owned"].participants.count == 12
    # "Social housing" (3) is hidden; with the total shown, "Rented" (11) would give it away.
    assert rows["Social housing"].participants.hidden
    assert rows["Rented"].participants.hidden
    assert table.answered.count == 26 and table.total.count == 26
    assert rows["Owned"].share == pytest.approx(46.2)
    assert rows["Owned"].population_share == 50.0
    assert rows["Owned"].difference == pytest.approx(-3.8)
    assert rows["Rented"].share is None and rows["Rented"].difference is None
    assert rows["Rented"].population == 300  # the council's own figure is not about residents


def test_the_page_and_the_csv_show_only_the_suppressed_figures(client, administrator, tenure):
    took_part(12, answers={"tenure": "owned"})
    took_part(11, answers={"tenure": "rented"})
    took_part(3, answers={"tenure": "social"})
    client.force_login(administrator)
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your home is" in html and HIDDEN in html and "Census 2021" in html
    assert 'role="img"' in html and "<table" in html
    assert "cdn" not in html.lower()

    response = client.get(CSV)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    participants = {
        row[1]: row[3] for row in rows if row[0] == "Your home is" and row[2] == "participants"
    }
    assert participants == {
        "Owned": "12",
        "Rented": HIDDEN,
        "Social housing": HIDDEN,
        "Answered": "26",
        "Prefer not to say": HIDDEN,
        "Not answered": HIDDEN,
        "Total": "26",
    }
    shares = {
        row[1]: row[3]
        for row in rows
        if row[0] == "Your home is" and row[2].startswith("share of participants")
    }
    assert shares["Rented"] == "" and shares["Social housing"] == ""


def test_fewer_than_10_participants_in_all_shows_nothing_but_the_population(client, administrator):
    took_part(9, answers={"age-band": "18-24"})
    client.force_login(administrator)
    rows = csv_rows(client.get(CSV))
    age = [row for row in rows if row[0] == "Your age band" and row[2] == "participants"]
    assert age and all(row[3] == HIDDEN for row in age)
    people_tables = [row for row in rows if row[0] in ("Residents taking part", "New accounts")]
    assert all(row[3] == HIDDEN for row in people_tables)


def test_the_district_question_counts_per_area(area):
    took_part(10, answers={"district": f"area:{area.slug}"})
    table = table_of(selectors.dashboard_get(filters=filters()), "district")
    assert [(row.label, row.participants.count) for row in table.rows] == [("Old Town", 10)]


def test_filters_per_source_and_per_module(tenure):
    took_part(12, answers={"tenure": "owned"}, source="bluesky")
    took_part(15, answers={"tenure": "owned"}, module="consultations", action="answer")
    dashboard = selectors.dashboard_get(filters=filters(source="bluesky"))
    assert table_of(dashboard, "tenure").total.count == 12
    dashboard = selectors.dashboard_get(filters=filters(source=""))
    assert table_of(dashboard, "tenure").total.count == 15
    dashboard = selectors.dashboard_get(filters=filters(module="consultations"))
    assert table_of(dashboard, "tenure").total.count == 15
    dashboard = selectors.dashboard_get(filters=filters(source="mastodon"))
    assert table_of(dashboard, "tenure").total.hidden


def test_over_time_per_source_visits_sign_ups_and_participants():
    # One month (and one week) only: with an empty month beside it, a column's total would
    # give the empty cell away, and complementary suppression would hide the full one too.
    today = timezone.localdate()
    took_part(12, module="accounts", action="signup", source="bluesky")
    took_part(3, module="accounts", action="signup", source="mastodon")
    took_part(11, source="bluesky")
    SourceVisit.objects.create(day=today, source="bluesky", count=140)
    SourceVisit.objects.create(day=today, source="poster", count=2)
    this_week = today - timedelta(days=today.weekday())
    visits, signups, taking_part = selectors.time_tables(
        filters(date_from=max(today.replace(day=1), this_week)), minimum=10
    )
    month = today.replace(day=1)
    assert visits.cells[(month, "bluesky")].count == 140
    assert visits.cells[(month, "poster")].count == 2  # page views, not people
    assert signups.cells[(month, "bluesky")].count == 12
    assert signups.cells[(month, "mastodon")].hidden
    assert signups.source_totals["bluesky"].count == 12
    assert taking_part.cells[(month, "bluesky")].count == 11
    weekly = selectors.time_tables(filters(date_from=this_week, period="week"), minimum=10)[1]
    assert weekly.cells[(this_week, "bluesky")].count == 12
    # Two months, the first empty: the full month's column gives the empty one away.
    two_months = selectors.time_tables(filters(date_from=month - timedelta(days=1)), minimum=10)[1]
    assert two_months.cells[(month, "bluesky")].hidden
    assert two_months.source_totals["bluesky"].count == 12


def test_the_dashboard_is_for_administrators_only(client, resident, moderator, administrator):
    # Signed out: the staff paths send to sign-in or refuse, before the view.
    assert client.get(DASHBOARD).status_code in (302, 403)
    for person, status in ((resident, 403), (moderator, 403), (administrator, 200)):
        client.force_login(person)
        assert client.get(DASHBOARD).status_code == status, person
        assert client.get(CSV).status_code == status, person


def test_an_administrator_without_the_second_factor_is_refused(client):
    from civicportal.accounts import roles
    from tests.accounts.factories import StaffFactory

    client.force_login(StaffFactory(role=roles.ADMINISTRATOR))
    for url in (DASHBOARD, CSV):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert not response.content.decode().count("fewer than")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-13-45"}, "Enter a valid date."),
        ({"date_to": "yesterday"}, "Enter a valid date."),
        (
            {"date_from": "2026-05-01", "date_to": "2026-04-01"},
            "The start date must be on or before",
        ),
        ({"date_from": "2010-01-01", "date_to": "2026-01-01"}, "at most five years"),
        ({"date_from": "2024-01-01", "date_to": "2026-01-01", "period": "week"}, "at most a year"),
        ({"source": "tiktok"}, "Select a valid choice."),
        ({"module": "no-such-module"}, "Select a valid choice."),
        ({"period": "century"}, "Select a valid choice."),
        ({"date_from": "2026-02-30"}, "Enter a valid date."),
    ],
)
def test_a_bad_query_string_gets_a_message_never_an_error(client, administrator, query, message):
    client.force_login(administrator)
    for url in (DASHBOARD, CSV):
        response = client.get(url, query)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert "<table" not in html


def test_the_dashboard_is_a_staff_screen(rf, administrator, resident):
    request = rf.get("/admin/")
    request.user = administrator
    keys = [link.key for module in staff_screens.modules(request) for link in module.links]
    assert "audience.dashboard" in keys
    request.user = resident
    keys = [link.key for module in staff_screens.modules(request) for link in module.links]
    assert "audience.dashboard" not in keys


def test_a_module_the_residents_took_part_in_can_be_chosen(client, administrator):
    took_part(1, module="consultations", action="answer")
    client.force_login(administrator)
    assert client.get(DASHBOARD, {"module": "consultations"}).status_code == 200
