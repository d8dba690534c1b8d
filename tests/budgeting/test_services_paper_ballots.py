"""Budgeting services on PostgreSQL: paper ballots, and one counted ballot per voter."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from budgeting import services
from budgeting.models import BallotSubmission, BudgetProcess
from budgeting.selectors import ballot_tally_input, conflict_list
from civicportal.accounts.census import hash_identifier
from civicportal.accounts.models import ResidencyRequest
from tests.accounts.factories import UserFactory
from tests.budgeting.factories import knapsack

pytestmark = pytest.mark.django_db


def _verified_with_identifier(identifier: str, area=None):
    user = UserFactory(verified=True)
    if area is not None:
        user.home_area = area
        user.save(update_fields=["home_area"])
    ResidencyRequest.objects.create(
        user=user,
        area=user.home_area,
        identifier_hash=hash_identifier(identifier),
        status=ResidencyRequest.Status.APPROVED,
        reviewed_at=timezone.now(),
    )
    return user


@pytest.mark.parametrize("precedence", ["paper", "online"])
def test_online_and_paper_ballots_of_one_voter_count_once(officer, precedence):
    ballot, (a, b, _c) = knapsack()
    BudgetProcess.objects.filter(pk=ballot.process_id).update(paper_precedence=precedence)
    voter = _verified_with_identifier("120174-3389")
    online = services.ballot_cast(actor=voter, ballot=ballot, selections={a.pk: 1})
    paper = services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="1201743389", selections={b.pk: 1}
    )
    online.refresh_from_db()
    winner, loser = (paper, online) if precedence == "paper" else (online, paper)
    assert winner.counted and not loser.counted and loser.superseded_by_id == winner.pk
    assert list(conflict_list(process=ballot.process)) == [loser]
    counted = ballot_tally_input(ballot=ballot).profile.ballots
    assert len(counted) == 1
    assert counted[0].projects == ((b if precedence == "paper" else a).tally_id,)
    # Replacing the online ballot keeps the precedence.
    services.ballot_cast(actor=voter, ballot=ballot, selections={a.pk: 1, b.pk: 1})
    online.refresh_from_db()
    paper.refresh_from_db()
    assert (paper.counted, online.counted) == (precedence == "paper", precedence == "online")
    assert BallotSubmission.objects.filter(counted=True).count() == 1


def test_paper_ballot_entered_first_then_online_vote_is_deduplicated(officer):
    ballot, (a, b, _c) = knapsack()
    voter = _verified_with_identifier("AB-1234")
    paper = services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="ab 1234", selections={b.pk: 1}
    )
    online = services.ballot_cast(actor=voter, ballot=ballot, selections={a.pk: 1})
    paper.refresh_from_db()
    assert paper.counted and not online.counted  # the default precedence: paper
    assert online.voter_key == paper.voter_key


def test_second_paper_ballot_of_a_voter_is_refused(officer):
    ballot, (a, b, _c) = knapsack()
    services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="X1", selections={a.pk: 1}
    )
    with pytest.raises(ValidationError, match="already entered"):
        services.paper_ballot_enter(
            actor=officer, ballot=ballot, voter_identifier="x-1", selections={b.pk: 1}
        )
    assert BallotSubmission.objects.count() == 1


def test_paper_ballot_needs_staff_an_identifier_and_a_valid_ballot(officer, resident):
    ballot, (a, b, c) = knapsack()
    with pytest.raises(PermissionDenied):
        services.paper_ballot_enter(
            actor=resident, ballot=ballot, voter_identifier="1", selections={a.pk: 1}
        )
    with pytest.raises(ValidationError, match="identity number"):
        services.paper_ballot_enter(
            actor=officer, ballot=ballot, voter_identifier=" - ", selections={a.pk: 1}
        )
    with pytest.raises(ValidationError, match="more than the budget"):
        services.paper_ballot_enter(
            actor=officer,
            ballot=ballot,
            voter_identifier="7",
            selections={a.pk: 1, b.pk: 1, c.pk: 1},
        )
    assert not BallotSubmission.objects.exists()


def test_paper_ballot_refused_for_a_voter_not_on_the_imported_census(officer):
    from civicportal.accounts.models import CensusEntry, CensusImport

    ballot, (a, _b, _c) = knapsack()
    census = CensusImport.objects.create(file_name="census.csv", row_count=1)
    CensusEntry.objects.create(identifier_hash=hash_identifier("ON-LIST"), census_import=census)
    with pytest.raises(ValidationError, match="not on the census"):
        services.paper_ballot_enter(
            actor=officer, ballot=ballot, voter_identifier="OFF", selections={a.pk: 1}
        )
    assert services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="on-list", selections={a.pk: 1}
    ).counted


def test_database_keeps_one_online_ballot_per_voter(resident):
    from django.db import IntegrityError

    ballot, _projects = knapsack()
    BallotSubmission.objects.create(ballot=ballot, voter=resident, channel="online", revision=1)
    with pytest.raises(IntegrityError):
        BallotSubmission.objects.create(ballot=ballot, voter=resident, channel="online", revision=1)
