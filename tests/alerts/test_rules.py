"""Each alerts permission for each role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from tests.accounts.factories import StaffFactory, UserFactory
from tests.alerts.factories import approver, author, pending, published

pytestmark = pytest.mark.django_db

ROLES = [
    None,
    roles.MODERATOR,
    BUDGET_OFFICER,
    ALERT_AUTHOR,
    ALERT_APPROVER,
    roles.ADMINISTRATOR,
]


def _staff(role):
    return StaffFactory(role=role, mfa=True)


@pytest.mark.parametrize("role", ROLES)
def test_staff_permissions_by_role(role):
    user = _staff(role)
    is_author = role == ALERT_AUTHOR
    is_approver = role == ALERT_APPROVER
    assert user.has_perm("alerts.draft_alert") is is_author
    assert user.has_perm("alerts.update_alert") is is_author
    assert user.has_perm("alerts.cancel_alert") is (is_author or is_approver)
    assert user.has_perm("alerts.view_alert") is (is_author or is_approver)
    assert user.has_perm("alerts.triage_groundreport") is (is_author or is_approver)
    assert user.has_perm("alerts.approve_alert", pending().messages.get()) is is_approver


def test_approver_may_not_approve_own_message():
    both = approver()
    both.groups.add(*author().groups.all())
    assert not both.has_perm("alerts.approve_alert", pending(by=both).messages.get())


def test_residents_and_visitors():
    alert = published()
    resident = UserFactory()
    assert resident.has_perm("alerts.subscribe_alerts")
    assert resident.has_perm("alerts.report_groundreport", alert)
    assert not resident.has_perm("alerts.view_alert")
    assert not resident.has_perm("alerts.approve_alert", alert.current_message)
    anonymous = AnonymousUser()
    assert not anonymous.has_perm("alerts.subscribe_alerts")
    assert anonymous.has_perm("alerts.report_groundreport", alert)  # held for triage


def test_inactive_staff_lose_their_roles():
    user = author(is_active=False)
    assert not user.has_perm("alerts.draft_alert")
