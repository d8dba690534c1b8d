"""The results page in brief: people counted once across ballots, the chart's bars, the
plain sentence per counting rule, and a query count that does not grow with the page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from budgeting import selectors, services
from budgeting.models import Ballot, BallotSubmission, BudgetProcess
from budgeting.reasons import method_text
from budgeting.templatetags.budgeting_tags import bar_width, votes_text
from tests.accounts.factories import AreaFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _counted(officer, *, city_projects: int = 3):
    """A city-wide and a district ballot; one resident votes on both, one on the city-wide
    one, one on paper; counted and published."""
    area = AreaFactory()
    process = ProcessFactory()
    city = BallotFactory(process=process, kind=Ballot.Kind.KNAPSACK, budget=Decimal(10000))
    district = BallotFactory(
        process=process, area=area, kind=Ballot.Kind.APPROVAL, max_choices=1, order=1
    )
    city_projects = [
        ProjectFactory(ballot=city, estimated_cost=Decimal(1000 + n)) for n in range(city_projects)
    ]
    garden = ProjectFactory(ballot=district, estimated_cost=Decimal(2000))
    both = UserFactory(verified=True, home_area=area)
    services.ballot_cast(actor=both, ballot=city, selections={city_projects[0].pk: 1})
    services.ballot_cast(actor=both, ballot=district, selections={garden.pk: 1})
    services.ballot_cast(
        actor=UserFactory(verified=True), ballot=city, selections={city_projects[1].pk: 1}
    )
    services.paper_ballot_enter(
        actor=officer,
        ballot=city,
        voter_identifier="0101302989",
        selections={city_projects[0].pk: 1},
    )
    services.process_advance(actor=officer, process=process, to_state="closed")
    services.results_compute(actor=officer, process=process)
    services.process_advance(actor=officer, process=process, to_state="results")
    return process, city, district


def test_summary_counts_each_person_once_across_ballots(officer):
    process, city, district = _counted(officer)
    results = selectors.results_for_process(process=process)

    summary = selectors.results_summary(process=process, results=results)

    assert BallotSubmission.objects.filter(counted=True).count() == 4
    assert summary.voters == 3  # two online (one of them on both ballots), one on paper
    assert summary.projects == 4
    assert summary.funded == sum(r.funded_count for r in results)
    assert summary.budget == city.budget + district.budget
    assert summary.budget_used == sum(r.official.budget_used for r in results)


def test_summary_still_counts_a_ballot_whose_voter_deleted_their_account(officer):
    process, _city, district = _counted(officer)
    submission = BallotSubmission.objects.get(ballot=district)
    BallotSubmission.objects.filter(voter=submission.voter).update(voter=None)

    summary = selectors.results_summary(
        process=process, results=selectors.results_for_process(process=process)
    )

    # Without the account, its two ballots can no longer be told to be one person's.
    assert summary.voters == 4


def test_results_page_puts_the_summary_first_and_folds_the_reasons(client, officer):
    process, _city, _district = _counted(officer)

    page = client.get(reverse("budgeting:results", args=[process.slug])).content.decode()

    assert page.index("data-results-summary") < page.index("data-results-chart")
    assert "3 people voted." in page
    assert method_text(process.tally_rule) in page
    details = page.index("data-results-details")
    assert page.index("Funded in round", details) > details


def test_results_page_queries_do_not_grow_with_the_number_of_projects(client, officer):
    small, _c, _d = _counted(officer, city_projects=2)
    large, _c, _d = _counted(officer, city_projects=12)

    def queries(process: BudgetProcess) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("budgeting:results", args=[process.slug])).status_code == 200
        return len(captured)

    queries(small)  # the first request of the test fills caches (banners, content types)
    assert queries(large) == queries(small)


def test_every_counting_rule_has_a_plain_sentence():
    for rule in BudgetProcess.TallyRule.values:
        sentence = method_text(rule)
        assert sentence.endswith(".") and "equal share was raised" not in sentence


def test_bar_width_is_a_share_of_the_longest_bar_with_a_full_stop_in_any_language():
    assert bar_width(Decimal(9), Decimal(9)) == "100.0"
    assert bar_width(3, 9) == "33.3"
    assert bar_width(0, 9) == "0"
    assert bar_width(1, 1000) == "0.5"  # a vote is never drawn as nothing
    assert bar_width(5, 0) == "0"
    assert bar_width("not a number", 9) == "0"
    with translation.override("is"):
        assert bar_width(1, 3) == "33.3"


def test_votes_text_counts_votes_or_points():
    assert votes_text(Decimal(1)) == "1 vote"
    assert votes_text(Decimal(1234)) == "1,234 votes"
    assert votes_text(Decimal(3), "cumulative") == "3 points"
    assert votes_text(None) == ""
