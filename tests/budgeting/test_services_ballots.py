"""Budgeting services on PostgreSQL: casting a ballot, its validation per type, who may vote
and when."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from budgeting import services
from budgeting.models import Ballot, BallotSubmission, BudgetProcess
from budgeting.selectors import ballot_tally_input
from tests.accounts.factories import AreaFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProjectFactory, knapsack

pytestmark = pytest.mark.django_db
State = BudgetProcess.State


# --- Ballot validation per type --------------------------------------------------------------


def test_ballot_cast_stores_a_knapsack_ballot_within_budget(resident):
    ballot, (a, b, _c) = knapsack()
    submission = services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1, b.pk: 1})
    assert submission.counted and submission.revision == 1
    assert sorted(s.project_id for s in submission.selections.all()) == sorted([a.pk, b.pk])


def test_ballot_cast_rejects_over_budget(resident):
    ballot, (a, b, c) = knapsack()
    with pytest.raises(ValidationError, match="more than the budget") as error:
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1, b.pk: 1, c.pk: 1})
    assert error.value.code == "over_budget"
    assert "1,500" in error.value.messages[0]
    assert not BallotSubmission.objects.exists()


def test_ballot_cast_rejects_too_many_on_approval():
    voter = UserFactory(verified=True)
    ballot = BallotFactory(kind=Ballot.Kind.APPROVAL, max_choices=2)
    projects = ProjectFactory.create_batch(3, ballot=ballot)
    with pytest.raises(ValidationError, match="at most 2 projects; you chose 3"):
        services.ballot_cast(actor=voter, ballot=ballot, selections={p.pk: 1 for p in projects})


def test_ballot_cast_rejects_too_few_on_approval():
    voter = UserFactory(verified=True)
    ballot = BallotFactory(kind=Ballot.Kind.APPROVAL, max_choices=3, min_choices=2)
    project = ProjectFactory(ballot=ballot)
    ProjectFactory(ballot=ballot)
    with pytest.raises(ValidationError, match="at least 2 projects; you chose 1"):
        services.ballot_cast(actor=voter, ballot=ballot, selections={project.pk: 1})
    with pytest.raises(ValidationError, match="at least"):
        services.ballot_cast(actor=voter, ballot=ballot, selections={})


@pytest.mark.parametrize(
    "feasibility, message",
    [("not_feasible", "not feasible"), ("pending", "not been approved")],
)
def test_ballot_cast_rejects_a_project_not_on_the_ballot(resident, feasibility, message):
    ballot, (a, _b, _c) = knapsack()
    other = ProjectFactory(
        ballot=ballot,
        feasibility=feasibility,
        feasibility_reason="Too dear",
        reviewed_at=None if feasibility == "pending" else timezone.now(),
    )
    with pytest.raises(ValidationError, match=message):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1, other.pk: 1})


def test_ballot_cast_rejects_a_project_of_another_ballot(resident):
    ballot, (a, _b, _c) = knapsack()
    district = BallotFactory(process=ballot.process, area=AreaFactory(), kind=Ballot.Kind.KNAPSACK)
    foreign = ProjectFactory(ballot=district)
    with pytest.raises(ValidationError, match=r"is on the “.*” ballot"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1, foreign.pk: 1})
    with pytest.raises(ValidationError, match="no project number 999999"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={999999: 1})


def test_ballot_cast_rejects_the_ballot_of_another_district(resident):
    district = BallotFactory(area=AreaFactory(name="Eastgate", slug="eastgate"))
    project = ProjectFactory(ballot=district)
    with pytest.raises(ValidationError, match="for residents of Eastgate") as error:
        services.ballot_cast(actor=resident, ballot=district, selections={project.pk: 1})
    assert error.value.code == "wrong_district"


def test_ballot_cast_accepts_the_home_district_ballot(resident):
    district = BallotFactory(area=resident.home_area)
    project = ProjectFactory(ballot=district)
    assert services.ballot_cast(actor=resident, ballot=district, selections={project.pk: 1})


def test_cumulative_ballot_limits_total_and_per_project_points(resident):
    ballot = BallotFactory(kind=Ballot.Kind.CUMULATIVE, points_total=10, max_points_per_project=6)
    a, b = ProjectFactory.create_batch(2, ballot=ballot)
    with pytest.raises(ValidationError, match="gave 11 points, but you have 10"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 6, b.pk: 5})
    with pytest.raises(ValidationError, match="from 0 to 6"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 7})
    with pytest.raises(ValidationError, match="from 0 to 6"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: "two"})
    submission = services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 6, b.pk: 4})
    assert {s.project_id: s.points for s in submission.selections.all()} == {a.pk: 6, b.pk: 4}


def test_approval_ballot_refuses_points(resident):
    ballot = BallotFactory(kind=Ballot.Kind.APPROVAL, max_choices=2)
    project = ProjectFactory(ballot=ballot)
    with pytest.raises(ValidationError, match="either chosen or not"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={project.pk: 3})


# --- Who may vote, and when ------------------------------------------------------------------


def test_only_verified_residents_vote():
    ballot, (a, _b, _c) = knapsack()
    unverified = UserFactory()
    with pytest.raises(PermissionDenied, match="verified"):
        services.ballot_cast(actor=unverified, ballot=ballot, selections={a.pk: 1})
    inactive = UserFactory(verified=True, is_active=False)
    with pytest.raises(PermissionDenied):
        services.ballot_cast(actor=inactive, ballot=ballot, selections={a.pk: 1})
    assert not BallotSubmission.objects.exists()


def test_ballot_can_be_replaced_until_voting_closes(resident, officer):
    ballot, (a, b, c) = knapsack()
    first = services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1})
    second = services.ballot_cast(actor=resident, ballot=ballot, selections={b.pk: 1, c.pk: 1})
    assert first.pk == second.pk and second.revision == 2 and second.replaced_at
    assert BallotSubmission.objects.count() == 1
    assert sorted(s.project_id for s in second.selections.all()) == sorted([b.pk, c.pk])
    services.process_advance(actor=officer, process=ballot.process, to_state=State.CLOSED)
    with pytest.raises(ValidationError, match="not open") as error:
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1})
    assert error.value.code == "closed"
    assert sorted(s.project_id for s in second.selections.all()) == sorted([b.pk, c.pk])


def test_ballot_cast_refused_once_the_closing_time_passed_even_before_the_schedule_ran(resident):
    ballot, (a, _b, _c) = knapsack()
    BudgetProcess.objects.filter(pk=ballot.process_id).update(
        voting_closes=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="not open"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1})


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submits_by_one_voter_leave_one_ballot():
    voter = UserFactory(verified=True)
    ballot, (a, b, c) = knapsack()
    choices = [{a.pk: 1}, {b.pk: 1, c.pk: 1}]
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []

    def submit(i: int) -> None:
        try:
            barrier.wait()
            services.ballot_cast(actor=voter, ballot=ballot, selections=choices[i % 2])
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    submission = BallotSubmission.objects.get()
    assert submission.revision == 50
    assert submission.voter_id == voter.pk
    chosen = sorted(submission.selections.values_list("project_id", flat=True))
    assert chosen in (sorted([a.pk]), sorted([b.pk, c.pk]))
    assert len(ballot_tally_input(ballot=ballot).profile.ballots) == 1
