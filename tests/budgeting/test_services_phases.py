"""Budgeting services on PostgreSQL: a process's phases, the schedule, frozen voting rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from budgeting import services
from budgeting.models import BudgetProcess, ProcessTransition
from civicportal.accounts import roles
from tests.accounts.factories import AreaFactory, StaffFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory, knapsack

pytestmark = pytest.mark.django_db
State = BudgetProcess.State


def test_process_goes_through_its_phases_and_records_each_change(officer):
    process = ProcessFactory(state=State.DRAFT, voting_closes=None)
    ballot = BallotFactory(process=process)
    services.process_advance(actor=officer, process=process, to_state=State.SUBMISSION)
    project = ProjectFactory(ballot=ballot, feasibility="pending", reviewed_at=None)
    services.process_advance(actor=officer, process=process, to_state=State.REVIEW)
    with pytest.raises(ValidationError, match="1 project still waits"):
        services.process_advance(actor=officer, process=process, to_state=State.VOTING)
    services.project_review(actor=officer, project=project, feasibility="feasible")
    services.process_advance(actor=officer, process=process, to_state=State.VOTING)
    process.refresh_from_db()
    assert process.state == State.VOTING and process.rules_frozen_at and process.voting_opens
    services.process_advance(actor=officer, process=process, to_state=State.CLOSED)
    assert list(
        ProcessTransition.objects.filter(process=process).values_list("to_state", flat=True)
    ) == ["submission", "review", "voting", "closed"]
    assert {t.actor_id for t in ProcessTransition.objects.all()} == {officer.pk}


def test_process_refuses_a_skipped_or_backward_phase(officer):
    process = ProcessFactory(state=State.REVIEW, voting_closes=None)
    with pytest.raises(ValidationError, match="cannot move to “Results published”"):
        services.process_advance(actor=officer, process=process, to_state=State.RESULTS)
    with pytest.raises(ValidationError, match="cannot move"):
        services.process_advance(actor=officer, process=process, to_state=State.SUBMISSION)


def test_only_budget_staff_change_phases(resident):
    process = ProcessFactory(state=State.DRAFT)
    BallotFactory(process=process)
    moderator = StaffFactory(role=roles.MODERATOR)
    for actor in (resident, moderator):
        with pytest.raises(PermissionDenied):
            services.process_advance(actor=actor, process=process, to_state=State.SUBMISSION)


def test_schedule_moves_processes_on_when_dates_pass():
    now = timezone.now()
    process = ProcessFactory(
        state=State.DRAFT,
        submission_opens=now - timedelta(days=2),
        review_opens=now - timedelta(days=1),
        voting_opens=now + timedelta(days=1),
        voting_closes=now + timedelta(days=5),
    )
    BallotFactory(process=process)
    moved = services.processes_advance_due(now=now)
    assert moved == [(process.pk, "submission"), (process.pk, "review")]
    assert services.processes_advance_due(now=now) == []  # safe to run twice
    process.refresh_from_db()
    assert process.state == State.REVIEW
    assert ProcessTransition.objects.filter(process=process, actor=None).count() == 2


def test_voting_rules_are_frozen_once_voting_opens(officer):
    ballot, (project, _b, _c) = knapsack()
    process = ballot.process
    ballot.budget = Decimal(20000)
    with pytest.raises(ValidationError, match="frozen since voting opened"):
        ballot.full_clean()
    process.tally_rule = "greedy"
    with pytest.raises(ValidationError, match="counting rule"):
        process.full_clean()
    project.final_cost = Decimal(1)
    with pytest.raises(ValidationError, match="frozen"):
        project.full_clean()
    with pytest.raises(PermissionDenied):
        services.project_review(
            actor=officer, project=project, feasibility="not_feasible", reason="x"
        )
    with pytest.raises(ValidationError, match="frozen"):
        BallotFactory.build(process=process, area=AreaFactory()).full_clean()


def test_rules_can_change_before_voting_opens():
    ballot = BallotFactory(process=ProcessFactory(state=State.REVIEW, voting_closes=None))
    ballot.budget = Decimal(20000)
    ballot.full_clean()
