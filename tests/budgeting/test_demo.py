"""The demo budget: in its voting phase, feasible projects across districts, ballots cast."""

from __future__ import annotations

import pytest

from budgeting.models import BallotSubmission, BudgetProcess, Project
from tests.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_a_budget_in_voting_once():
    seed_demo()
    process = BudgetProcess.objects.get(slug="riverside-neighbourhood-budget")
    assert process.is_voting_open() and process.rules_frozen
    feasible = Project.objects.filter(process=process, feasibility="feasible")
    assert feasible.values("ballot__area").distinct().count() >= 4
    assert feasible.filter(ballot__area=None).exists()
    counts = (BallotSubmission.objects.count(), Project.objects.count())
    assert counts[0] > 10
    seed_demo()
    assert (BallotSubmission.objects.count(), Project.objects.count()) == counts
    assert BudgetProcess.objects.count() == 1
