"""Each rumour-control permission for each role (and without the second factor)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR, FACTCHECK_EDITOR
from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from civicportal.kernel.second_factor import mark_second_factor
from tests.accounts.factories import StaffFactory, UserFactory
from tests.alerts.factcheck_factories import draft, editor
from tests.alerts.factories import author, published

pytestmark = pytest.mark.django_db

ROLES = [
    None,
    roles.MODERATOR,
    BUDGET_OFFICER,
    ALERT_AUTHOR,
    ALERT_APPROVER,
    FACTCHECK_EDITOR,
    roles.ADMINISTRATOR,
]


@pytest.mark.parametrize("role", ROLES)
def test_rumour_control_permissions_by_role(role):
    user = StaffFactory(role=role, mfa=True)
    is_author, is_approver = role == ALERT_AUTHOR, role == ALERT_APPROVER
    is_editor = role == FACTCHECK_EDITOR
    someone_elses = draft(by=editor(), alert=published())
    assert user.has_perm("alerts.draft_factcheck") is (is_editor or is_author)
    assert user.has_perm("alerts.publish_factcheck") is is_editor
    assert user.has_perm("alerts.approve_factcheck", someone_elses) is is_approver
    staff = is_editor or is_author or is_approver
    assert user.has_perm("alerts.answer_factcheckquestion") is staff
    assert user.has_perm("alerts.view_factcheck") is staff
    assert user.has_perm("alerts.view_factcheckquestion") is staff
    assert user.has_perm("alerts.ask_factcheckquestion") is True  # a signed-in account


def test_approver_may_not_approve_a_fact_check_they_wrote():
    both = StaffFactory(role=ALERT_APPROVER, mfa=True)
    both.groups.add(*author().groups.all())
    assert not both.has_perm("alerts.approve_factcheck", draft(by=both, alert=published()))


def test_staff_roles_count_for_nothing_without_the_second_factor():
    person = editor()
    mark_second_factor(person, verified=False)
    assert not person.has_perm("alerts.draft_factcheck")
    assert not person.has_perm("alerts.publish_factcheck")
    assert not person.has_perm("alerts.view_factcheck")


def test_residents_ask_and_visitors_do_not():
    resident = UserFactory()
    assert resident.has_perm("alerts.ask_factcheckquestion")
    assert not resident.has_perm("alerts.view_factcheck")
    assert not resident.has_perm("alerts.draft_factcheck")
    assert not AnonymousUser().has_perm("alerts.ask_factcheckquestion")
