"""The participatory budget's pages for residents, on a desktop and at 320 pixels:
no critical or serious axe-core finding, ballots that say live how many projects are
chosen and what to remove, and results that start with a plain summary and keep the
counting rules' workings folded away."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from budgeting import services
from budgeting.models import Ballot, BudgetProcess, Project, TallyResult
from budgeting.roles import BUDGET_OFFICER
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory
from tests.e2e.axe import assert_no_axe_violations
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}
CITY_PROJECTS = [
    ("Solar lamps on the riverside walk", 6000),
    ("Bike racks at the station", 3000),
    ("Play area by the library", 2500),
    ("Drinking fountains in the parks", 1800),
    ("Tree planting on Harbour Street", 4200),
    ("Benches with backrests", 900),
    ("Public toilets at the market", 7000),
    ("A skate ramp", 3500),
]
DISTRICT_PROJECTS = [("Community garden beds", 2000), ("Safer school crossing", 4000)]


@dataclass
class Budget:
    process: BudgetProcess
    city: Ballot
    district: Ballot
    voter: object


def _budget(*, area) -> Budget:
    process = ProcessFactory(title="Riverside budget", slug="riverside-budget")
    city = BallotFactory(process=process, kind=Ballot.Kind.KNAPSACK, budget=Decimal(10000))
    district = BallotFactory(
        process=process,
        area=area,
        kind=Ballot.Kind.APPROVAL,
        budget=Decimal(5000),
        max_choices=2,
        order=1,
    )
    for title, cost in CITY_PROJECTS:
        ProjectFactory(ballot=city, title=title, estimated_cost=Decimal(cost))
    for title, cost in DISTRICT_PROJECTS:
        ProjectFactory(ballot=district, title=title, estimated_cost=Decimal(cost))
    ProjectFactory(
        ballot=city,
        title="A fountain of gold",
        estimated_cost=Decimal(50000),
        feasibility=Project.Feasibility.NOT_FEASIBLE,
        feasibility_reason="It costs five times the budget.",
    )
    voter = UserFactory(verified=True, home_area=area, email="anna@example.org")
    return Budget(process=process, city=city, district=district, voter=voter)


@pytest.fixture
def old_town():
    return AreaFactory(name="Old Town", slug="old-town")


@pytest.fixture
def budget(old_town) -> Budget:
    return _budget(area=old_town)


@pytest.fixture
def counted(budget, old_town) -> Budget:
    """The budget after five residents voted (one of them on both ballots), counted and
    published by a budget officer."""
    officer = StaffFactory(role=BUDGET_OFFICER, mfa=True)
    projects = {p.title: p for p in budget.process.projects.all()}
    city_votes = [
        ["Solar lamps on the riverside walk", "Bike racks at the station"],
        ["Solar lamps on the riverside walk", "Benches with backrests"],
        ["Play area by the library", "Drinking fountains in the parks", "A skate ramp"],
        ["Tree planting on Harbour Street", "Benches with backrests"],
    ]
    for titles in city_votes:
        services.ballot_cast(
            actor=UserFactory(verified=True, home_area=old_town),
            ballot=budget.city,
            selections={projects[t].pk: 1 for t in titles},
        )
    services.ballot_cast(
        actor=budget.voter,
        ballot=budget.city,
        selections={projects["Solar lamps on the riverside walk"].pk: 1},
    )
    services.ballot_cast(
        actor=budget.voter,
        ballot=budget.district,
        selections={projects["Community garden beds"].pk: 1},
    )
    process = budget.process
    services.process_advance(actor=officer, process=process, to_state="closed")
    services.results_compute(actor=officer, process=process)
    services.process_advance(actor=officer, process=process, to_state="results")
    return budget


def _check_axe_at_both_widths(page: Page, url: str) -> None:
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(url)
        assert_no_axe_violations(page)


def test_budget_pages_have_no_serious_axe_findings_on_desktop_and_phone(page: Page, site, budget):
    process = budget.process
    project = process.projects.get(title="Bike racks at the station")
    for path in (
        "/budget/",
        process.get_absolute_url(),
        f"{process.get_absolute_url()}projects/",
        project.get_absolute_url(),
    ):
        _check_axe_at_both_widths(page, f"{site}{path}")


def test_process_page_does_not_scroll_sideways_on_a_phone(page: Page, site, budget):
    page.set_viewport_size(PHONE)
    page.goto(f"{site}{budget.process.get_absolute_url()}")

    rules = page.locator("[data-ballot-rules]")
    expect(rules).to_contain_text("Tick at most 2 projects.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_knapsack_ballot_marks_projects_that_no_longer_fit_readably(page: Page, site, budget):
    sign_in(page, site, budget.voter.email)
    url = f"{site}/budget/riverside-budget/ballots/{budget.city.pk}/"
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(url)
        page.get_by_label(re.compile("^Public toilets")).check()
        status = page.locator("[data-ballot-status-text]")
        expect(status).to_have_text("Remaining budget: 3,000 EUR of 10,000 EUR")
        lamps = page.get_by_label(re.compile("^Solar lamps"))
        note = page.locator("li.card", has=lamps).locator("[data-ballot-out-note]")
        expect(note).to_be_visible()
        expect(lamps).to_have_accessible_description(re.compile("^Costs more than the budget"))
        # Projects that still fit carry no such note.
        racks = page.get_by_label(re.compile("^Bike racks"))
        expect(page.locator("li.card", has=racks).locator("[data-ballot-out-note]")).to_be_hidden()
        assert_no_axe_violations(page)


def test_approval_ballot_counts_choices_live_and_says_how_many_to_remove(page: Page, site, budget):
    sign_in(page, site, budget.voter.email)
    url = f"{site}/budget/riverside-budget/ballots/{budget.district.pk}/"
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(url)
        status = page.get_by_role("status").filter(has_text="chosen")
        send = page.get_by_role("button", name="Send my ballot")
        expect(status).to_have_text("0 of 2 chosen")
        page.get_by_label(re.compile("^Community garden")).check()
        expect(status).to_have_text("1 of 2 chosen")
        page.get_by_label(re.compile("^Safer school crossing")).check()
        expect(status).to_have_text("2 of 2 chosen")
        expect(send).to_be_enabled()
        assert_no_axe_violations(page)

    # Three ticks where two are allowed: an approval ballot with a third project.
    ProjectFactory(ballot=budget.district, title="Street party kit", estimated_cost=Decimal(500))
    page.goto(url)
    for box in page.get_by_role("checkbox").all():
        box.check()
    status = page.get_by_role("status").filter(has_text="chosen")
    expect(status).to_have_text("Too many: 3 chosen, the most is 2. Remove 1 to send your ballot.")
    expect(page.get_by_role("button", name="Send my ballot")).to_be_disabled()
    page.get_by_label(re.compile("^Street party kit")).uncheck()
    expect(status).to_have_text("2 of 2 chosen")
    page.get_by_role("button", name="Send my ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot was recorded")


def test_results_start_with_a_plain_summary_and_fold_the_workings(page: Page, site, counted):
    process = counted.process
    official = {t.ballot_id: t for t in TallyResult.objects.filter(rule=process.tally_rule)}
    funded = sum(t.rows.filter(selected=True).count() for t in official.values())
    projects = sum(t.rows.count() for t in official.values())
    eligible = get_user_model().objects.filter(is_active=True, verified_at__isnull=False).count()
    page.set_viewport_size(DESKTOP)
    page.goto(f"{site}/budget/riverside-budget/results/")

    # First after the heading: the summary, in plain words.
    summary = page.locator("h1 + [data-results-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(f"{funded} of {projects} projects will be funded.")
    # Five people voted: the one who voted on both ballots counts once (six ballots).
    expect(summary).to_contain_text(f"5 people voted. That is {5 * 100 / eligible:.1f} %")
    expect(summary).to_contain_text("How the projects were chosen: Every voter had an equal share")
    expect(summary).not_to_contain_text("equal share was raised")

    # Each ballot: one line, then a bar per project (the most votes, the full bar).
    city = page.locator("[data-ballot-results]").filter(
        has=page.get_by_role("heading", name="City-wide")
    )
    city_funded = official[counted.city.pk].rows.filter(selected=True).count()
    expect(city.locator("[data-ballot-summary]")).to_contain_text(
        f"{city_funded} of {len(CITY_PROJECTS)} projects funded"
    )
    lines = city.locator("[data-result-line]")
    expect(lines).to_have_count(len(CITY_PROJECTS))
    expect(city.locator("[data-result-line][data-funded]")).to_have_count(city_funded)
    lamps = lines.filter(has_text="Solar lamps")
    expect(lamps).to_contain_text("3 votes")
    expect(lamps.locator("svg rect").nth(1)).to_have_attribute("width", "100.0")
    expect(lines.filter(has_text="Bike racks").locator("svg rect").nth(1)).to_have_attribute(
        "width", "33.3"
    )

    # Why each project was funded or not: on demand.
    reasons = city.locator("[data-results-details]")
    expect(reasons.get_by_text(re.compile("^Funded in round")).first).to_be_hidden()
    reasons.locator("summary").click()
    expect(reasons.get_by_text(re.compile("^Funded in round")).first).to_be_visible()
    expect(reasons.locator("table[data-turnout]")).to_contain_text("Online")

    # A page that fits a few screens, not a long scroll of sentences in table cells.
    page.goto(f"{site}/budget/riverside-budget/results/")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2600, f"the results page is {height} px tall"
    assert_no_axe_violations(page)
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/budget/riverside-budget/results/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_axe_violations(page)
