"""Each volunteer call-out permission for each role: authors post and stand down, authors
and approvers see rosters and check people in, residents only their own entry and answers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from alerts.models import CallOutResponse, VolunteerRegistration
from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from tests.accounts.factories import StaffFactory, UserFactory
from tests.alerts.volunteer_factories import callout, volunteer

pytestmark = pytest.mark.django_db

ROLES = [None, roles.MODERATOR, BUDGET_OFFICER, ALERT_AUTHOR, ALERT_APPROVER]


@pytest.mark.parametrize("role", ROLES)
def test_callout_staff_permissions_by_role(role):
    user = StaffFactory(role=role, mfa=True)
    is_author = role == ALERT_AUTHOR
    is_staff = role in (ALERT_AUTHOR, ALERT_APPROVER)
    assert user.has_perm("alerts.post_callout") is is_author
    assert user.has_perm("alerts.standdown_callout") is is_author
    assert user.has_perm("alerts.view_callout") is is_staff
    assert user.has_perm("alerts.checkin_callout") is is_staff
    assert user.has_perm("alerts.view_calloutresponse") is is_staff
    assert user.has_perm("alerts.change_skill") is is_staff


def test_residents_keep_only_their_own_entry_and_answers():
    posted = callout()
    owner, other = volunteer(), volunteer()
    from alerts.services import volunteers as services

    answer = services.callout_respond(actor=owner, callout=posted, answer="accepted")
    entry = VolunteerRegistration.objects.get(user=owner)
    assert owner.has_perm("alerts.register_volunteer")
    assert owner.has_perm("alerts.respond_callout")
    assert owner.has_perm("alerts.change_volunteerregistration", entry)
    assert owner.has_perm("alerts.view_calloutresponse", answer)
    assert not other.has_perm("alerts.change_volunteerregistration", entry)
    assert not other.has_perm("alerts.view_calloutresponse", answer)
    for perm in ("post_callout", "standdown_callout", "view_callout", "checkin_callout"):
        assert not owner.has_perm(f"alerts.{perm}")
    assert isinstance(answer, CallOutResponse)


def test_visitors_may_do_nothing():
    visitor = AnonymousUser()
    for perm in ("register_volunteer", "respond_callout", "post_callout", "view_callout"):
        assert not visitor.has_perm(f"alerts.{perm}")


def test_administrator_reads_the_register_in_the_admin():
    admin = StaffFactory(role=roles.ADMINISTRATOR, mfa=True)
    assert admin.has_perm("alerts.view_volunteerregistration")
    assert not UserFactory().has_perm("alerts.view_volunteerregistration")
