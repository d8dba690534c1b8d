"""Every proposals permission for every role, on open and closed ideas."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicportal.accounts import roles
from proposals.models import IdeaStatus, Point
from tests.accounts.factories import StaffFactory, UserFactory
from tests.proposals.factories import idea_post, point_post

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "inactive", "resident", "verified", *roles.ROLES]
STAFF_PERMS = {roles.MODERATOR, roles.ADMINISTRATOR}


def _user(role: str):
    if role == "anonymous":
        return AnonymousUser()
    if role == "inactive":
        return UserFactory(is_active=False)
    if role == "resident":
        return UserFactory()
    if role == "verified":
        return UserFactory(verified=True)
    return StaffFactory(role=role)


@pytest.fixture
def idea(resident, category):
    return idea_post(resident, category=category)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", ["open", "closed", "archived"])
def test_vote_and_add_point(role, state, idea, moderator):
    if state == "closed":
        idea.status = IdeaStatus.NOT_ACCEPTED
    if state == "archived":
        from django.utils import timezone

        idea.archived_at = timezone.now()
    user = _user(role)
    expected = state == "open" and role not in ("anonymous", "inactive")
    assert user.has_perm("proposals.vote_idea", idea) is expected
    assert user.has_perm("proposals.add_point", idea) is expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("require_verified", [False, True])
def test_add_idea(role, require_verified, settings):
    settings.PROPOSALS_REQUIRE_VERIFIED = require_verified
    user = _user(role)
    if role in ("anonymous", "inactive"):
        expected = False
    elif require_verified:
        expected = role == "verified"
    else:
        expected = True
    assert user.has_perm("proposals.add_idea") is expected


@pytest.mark.parametrize("role", ROLES)
def test_rate_point(role, idea, other):
    point = point_post(other, idea)
    user = _user(role)
    assert user.has_perm("proposals.rate_point", point) is (role not in ("anonymous", "inactive"))
    assert not other.has_perm("proposals.rate_point", point)  # not one's own
    point.moderation_state = "hidden"
    assert not user.has_perm("proposals.rate_point", point)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "perm",
    [
        "proposals.set_status_idea",
        "proposals.merge_idea",
        "proposals.view_idea",
        "proposals.change_idea",
        "proposals.add_category",
        "proposals.change_category",
        "proposals.view_forwardinground",
        "proposals",
    ],
)
def test_council_permissions(role, perm, idea):
    user = _user(role)
    assert user.has_perm(perm, idea if "idea" in perm else None) is (role in STAFF_PERMS)


@pytest.mark.parametrize("role", ROLES)
def test_delete_idea_is_for_administrators(role, idea):
    assert _user(role).has_perm("proposals.delete_idea", idea) is (role == roles.ADMINISTRATOR)


def test_a_role_left_on_a_former_staff_member_grants_nothing(idea):
    former = StaffFactory(role=roles.MODERATOR, is_staff=False)
    assert not former.has_perm("proposals.set_status_idea", idea)


def test_point_sides_exist():
    assert set(Point.Side.values) == {"for", "against"}
