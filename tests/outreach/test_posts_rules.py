"""Every permission of the social posts, per role (and, for approval, author and source)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from alerts.roles import ALERT_APPROVER
from civicportal.accounts import roles
from tests.accounts.factories import StaffFactory, UserFactory
from tests.alerts.factories import published as published_alert
from tests.outreach.posts_fixtures import awaiting, compose, editor, editor_and_alert_approver

pytestmark = pytest.mark.django_db

PERMISSIONS = (
    "outreach.view_post",
    "outreach.add_post",
    "outreach.approve_post",
    "outreach.reject_post",
    "outreach.cancel_post",
)


def _people():
    return {
        "resident": UserFactory(),
        "staff without a role": StaffFactory(mfa=True),
        "alert approver only": StaffFactory(role=ALERT_APPROVER, mfa=True),
        "administrator": StaffFactory(role=roles.ADMINISTRATOR, mfa=True),
        "editor": editor(),
    }


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("resident", set()),
        ("staff without a role", set()),
        ("alert approver only", set()),
        ("administrator", {"outreach.view_post"}),
        ("editor", set(PERMISSIONS)),
    ],
)
def test_roles_on_a_colleagues_post(who, allowed):
    user = _people()[who]
    post = awaiting()
    granted = {perm for perm in PERMISSIONS if user.has_perm(perm, post)}
    assert granted == allowed


def test_the_author_may_change_and_cancel_but_not_approve_or_reject():
    by = editor()
    post = compose(by=by)
    assert by.has_perm("outreach.change_post", post)
    assert by.has_perm("outreach.submit_post", post)
    assert not editor().has_perm("outreach.change_post", post)
    assert not editor().has_perm("outreach.submit_post", post)
    post.state = "awaiting"
    assert not by.has_perm("outreach.change_post", post)
    assert not by.has_perm("outreach.approve_post", post)
    assert not by.has_perm("outreach.reject_post", post)
    assert by.has_perm("outreach.cancel_post", post)


def test_an_alert_post_is_approved_only_by_an_editor_who_may_approve_alerts():
    post = awaiting(kind="alerts.message", pk=published_alert().messages.get().pk)
    assert not editor().has_perm("outreach.approve_post", post)
    assert not StaffFactory(role=ALERT_APPROVER, mfa=True).has_perm("outreach.approve_post", post)
    assert editor_and_alert_approver().has_perm("outreach.approve_post", post)


def test_the_role_without_a_second_factor_grants_nothing():
    user = StaffFactory(mfa=False)
    user.groups.add(Group.objects.get_or_create(name="Social media editor")[0])
    from civicportal.kernel.second_factor import mark_second_factor

    mark_second_factor(user, verified=False)
    assert not user.has_perm("outreach.add_post")
