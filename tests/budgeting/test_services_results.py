"""Budgeting services on PostgreSQL: computing, storing and publishing results."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from budgeting import services
from budgeting.models import BudgetProcess, TallyResult
from budgeting.selectors import ballot_tally_input
from tests.accounts.factories import UserFactory
from tests.budgeting.factories import knapsack

pytestmark = pytest.mark.django_db
State = BudgetProcess.State


def _closed_with_votes(officer):
    ballot, (a, b, c) = knapsack()
    voters = [UserFactory(verified=True) for _ in range(3)]
    services.ballot_cast(actor=voters[0], ballot=ballot, selections={a.pk: 1, b.pk: 1})
    services.ballot_cast(actor=voters[1], ballot=ballot, selections={a.pk: 1})
    services.ballot_cast(actor=voters[2], ballot=ballot, selections={b.pk: 1, c.pk: 1})
    services.process_advance(actor=officer, process=ballot.process, to_state=State.CLOSED)
    return ballot, (a, b, c)


def test_results_are_stored_once_with_the_input_checksum(officer):
    ballot, (a, b, _c) = _closed_with_votes(officer)
    stored = services.results_compute(actor=officer, process=ballot.process)
    assert {t.rule for t in stored} == {"greedy", "mes", "mes-add1"}
    checksum = ballot_tally_input(ballot=ballot).checksum
    assert {t.checksum for t in stored} == {checksum}
    greedy = TallyResult.objects.get(ballot=ballot, rule="greedy")
    funded = set(greedy.rows.filter(selected=True).values_list("project_id", flat=True))
    assert funded == {a.pk, b.pk}  # a: 2 votes, b: 2 votes, then c does not fit (6000+3000+2500)
    assert all(row.reason for row in greedy.rows.all())
    with pytest.raises(ValidationError, match="already computed") as error:
        services.results_compute(actor=officer, process=ballot.process)
    assert error.value.code == "unchanged"
    assert TallyResult.objects.count() == 3


def test_publishing_refuses_results_of_changed_ballots(officer):
    ballot, (a, _b, _c) = _closed_with_votes(officer)
    services.results_compute(actor=officer, process=ballot.process)
    services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="P-1", selections={a.pk: 1}
    )
    with pytest.raises(ValidationError, match="changed after the results were computed"):
        services.process_advance(actor=officer, process=ballot.process, to_state=State.RESULTS)
    services.results_compute(actor=officer, process=ballot.process)
    assert TallyResult.objects.get(ballot=ballot, rule="mes").voter_count == 4
    services.process_advance(actor=officer, process=ballot.process, to_state=State.RESULTS)
    ballot.process.refresh_from_db()
    assert ballot.process.results_published_at


def test_results_need_voting_closed(officer):
    ballot, _projects = knapsack()
    with pytest.raises(PermissionDenied):
        services.results_compute(actor=officer, process=ballot.process)
    with pytest.raises(ValidationError, match="Compute the results before publishing"):
        BudgetProcess.objects.filter(pk=ballot.process_id).update(state=State.CLOSED)
        services.process_advance(actor=officer, process=ballot.process, to_state=State.RESULTS)
