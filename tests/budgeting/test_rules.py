"""Every budgeting permission for every role in every phase."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from budgeting.models import BudgetProcess
from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory

pytestmark = pytest.mark.django_db

PHASES = list(BudgetProcess.State.values)
ROLES = [
    "anonymous",
    "resident",
    "verified_resident",
    "verified_elsewhere",
    "moderator",
    "budget_officer",
    "administrator",
]
STAFF = {"budget_officer", "administrator"}


def make_user(role: str, home):
    if role == "anonymous":
        return AnonymousUser()
    if role == "resident":
        return UserFactory(home_area=home)
    if role == "verified_resident":
        return UserFactory(verified=True, home_area=home)
    if role == "verified_elsewhere":
        return UserFactory(verified=True)
    group = {
        "moderator": roles.MODERATOR,
        "budget_officer": BUDGET_OFFICER,
        "administrator": roles.ADMINISTRATOR,
    }[role]
    return StaffFactory(role=group)


def expected(perm: str, role: str, phase: str, *, district: bool = False) -> bool:
    staff = role in STAFF
    signed_in = role != "anonymous"
    closed = phase in ("closed", "results", "implementation")
    published = phase in ("results", "implementation")
    return {
        "view_process": phase != "draft" or staff,
        "view_project": phase != "draft" or staff,
        "submit_project": signed_in and phase == "submission",
        "vote_ballot": phase == "voting"
        and (role == "verified_resident" or (role == "verified_elsewhere" and not district)),
        "review_project": staff and phase in ("draft", "submission", "review"),
        "advance_process": staff,
        "enter_paper_ballot": staff and phase in ("voting", "closed"),
        "compute_results": staff and phase == "closed",
        "publish_results": staff and phase == "closed",
        "view_results": published or (staff and closed),
        "export_process": closed and (staff or published),
        "import_process": staff,
    }[perm]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_permissions_by_role_and_phase(role, phase):
    home = AreaFactory()
    process = ProcessFactory(state=phase)
    citywide = BallotFactory(process=process)
    district = BallotFactory(process=process, area=home)
    user = make_user(role, home)
    for perm in (
        "view_process",
        "view_project",
        "submit_project",
        "review_project",
        "advance_process",
        "enter_paper_ballot",
        "compute_results",
        "publish_results",
        "view_results",
        "export_process",
    ):
        assert user.has_perm(f"budgeting.{perm}", process) is expected(perm, role, phase), perm
    assert user.has_perm("budgeting.vote_ballot", citywide) is expected("vote_ballot", role, phase)
    assert user.has_perm("budgeting.vote_ballot", district) is expected(
        "vote_ballot", role, phase, district=True
    )
    assert user.has_perm("budgeting.import_process") is expected("import_process", role, phase)


@pytest.mark.parametrize("role", ROLES)
def test_admin_screens_are_for_budget_staff_only(role):
    user = make_user(role, AreaFactory())
    staff = role in STAFF
    assert user.has_perm("budgeting") is staff
    for perm in (
        "view_budgetprocess",
        "change_budgetprocess",
        "change_project",
        "view_ballotsubmission",
    ):
        assert user.has_perm(f"budgeting.{perm}") is staff, perm


def test_voting_is_refused_once_the_closing_time_passed():
    from datetime import timedelta

    from django.utils import timezone

    voter = UserFactory(verified=True)
    ballot = BallotFactory(
        process=ProcessFactory(voting_closes=timezone.now() - timedelta(seconds=1))
    )
    assert not voter.has_perm("budgeting.vote_ballot", ballot)


def test_an_inactive_budget_officer_has_no_staff_permission():
    officer = StaffFactory(role=BUDGET_OFFICER, is_active=False)
    process = ProcessFactory(state="closed")
    assert not officer.has_perm("budgeting.compute_results", process)
