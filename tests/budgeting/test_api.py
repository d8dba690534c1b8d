"""The budgeting API: public reads and BallotCastApi through the same service."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from budgeting import services
from budgeting.models import Ballot, BallotSubmission
from tests.accounts.factories import UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def knapsack():
    ballot = BallotFactory(kind=Ballot.Kind.KNAPSACK, budget=Decimal(10000))
    projects = [
        ProjectFactory(ballot=ballot, estimated_cost=Decimal(cost)) for cost in (6000, 3000, 2500)
    ]
    return ballot, projects


def cast_url(ballot: Ballot) -> str:
    return reverse("v1:budgeting:ballot-cast", args=[ballot.process.slug, ballot.pk])


def test_processes_and_projects_are_public(api, knapsack):
    ballot, projects = knapsack
    ProcessFactory(state="draft", title="Secret draft")
    listing = api.get(reverse("v1:budgeting:process-list")).json()
    assert [p["slug"] for p in listing["results"]] == [ballot.process.slug]
    detail = api.get(reverse("v1:budgeting:process-detail", args=[ballot.process.slug])).json()
    assert detail["voting_open"] is True and detail["ballots"][0]["kind"] == "knapsack"
    projects_url = reverse("v1:budgeting:project-list", args=[ballot.process.slug])
    assert api.get(projects_url).json()["count"] == 3
    one = api.get(
        reverse("v1:budgeting:project-detail", args=[ballot.process.slug, projects[0].pk])
    ).json()
    assert one["cost"] == "6000.00"


def test_ballot_cast_api_records_replaces_and_refuses_bad_ballots(api, knapsack):
    ballot, (a, b, c) = knapsack
    voter = UserFactory(verified=True)
    api.force_authenticate(voter)
    body = {"selections": [{"project": a.pk}, {"project": b.pk}]}
    response = api.post(cast_url(ballot), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["revision"] == 1
    response = api.post(cast_url(ballot), {"selections": [{"project": c.pk}]}, format="json")
    assert response.status_code == 200 and response.json()["revision"] == 2
    over = {"selections": [{"project": a.pk}, {"project": b.pk}, {"project": c.pk}]}
    response = api.post(cast_url(ballot), over, format="json")
    assert response.status_code == 400
    assert "more than the budget" in response.json()["error"]["message"]
    assert api.get(cast_url(ballot)).json()["selections"] == [{"project": c.pk, "points": 1}]
    twice = {"selections": [{"project": a.pk}, {"project": a.pk}]}
    assert api.post(cast_url(ballot), twice, format="json").status_code == 400


def test_ballot_cast_api_is_for_verified_residents(api, knapsack):
    ballot, (a, _b, _c) = knapsack
    body = {"selections": [{"project": a.pk}]}
    assert api.post(cast_url(ballot), body, format="json").status_code == 401
    api.force_authenticate(UserFactory())
    assert api.post(cast_url(ballot), body, format="json").status_code == 403
    assert not BallotSubmission.objects.exists()


def test_results_api_after_publication(api, knapsack, officer):
    ballot, (a, _b, _c) = knapsack
    services.ballot_cast(actor=UserFactory(verified=True), ballot=ballot, selections={a.pk: 1})
    url = reverse("v1:budgeting:results", args=[ballot.process.slug])
    assert api.get(url).status_code in (401, 403)
    services.process_advance(actor=officer, process=ballot.process, to_state="closed")
    services.results_compute(actor=officer, process=ballot.process)
    services.process_advance(actor=officer, process=ballot.process, to_state="results")
    results = api.get(url).json()
    assert {r["rule"] for r in results} == {"greedy", "mes", "mes-add1"}
    greedy = next(r for r in results if r["rule"] == "greedy")
    funded = [row for row in greedy["rows"] if row["selected"]]
    assert funded[0]["project"] == a.pk and funded[0]["reason"].startswith("Funded")
