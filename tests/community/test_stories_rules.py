"""Who may do what with stories: every rule for every role (anonymous, resident, the
story's author, moderator, administrator, staff of another module, and a moderator whose
request did not pass the second factor)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicportal.kernel.second_factor import mark_second_factor
from tests.accounts.factories import UserFactory
from tests.community.stories_fixtures import StoryFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "resident",
    "author",
    "moderator",
    "administrator",
    "other_staff",
    "moderator_no_2fa",
]


@pytest.fixture
def people(moderator, administrator, budget_officer, resident):
    from civicportal.accounts import roles
    from tests.accounts.factories import StaffFactory

    unverified = StaffFactory(role=roles.MODERATOR, mfa=True)
    mark_second_factor(unverified, verified=False)
    return {
        "anonymous": AnonymousUser(),
        "resident": UserFactory(),
        "author": resident,
        "moderator": moderator,
        "administrator": administrator,
        "other_staff": budget_officer,
        "moderator_no_2fa": unverified,
    }


@pytest.fixture
def pending(resident, area):
    return StoryFactory(author=resident, area=area)


@pytest.fixture
def published(resident, area):
    return StoryFactory(author=resident, area=area, published=True)


# (permission, story: None / "pending" / "published", roles allowed)
CASES = [
    ("community.view_story", "published", set(ROLES)),
    ("community.view_story", "pending", {"author", "moderator", "administrator"}),
    ("community.submit_story", None, set(ROLES) - {"anonymous"}),
    (
        "community.thank_story",
        "published",
        {"resident", "moderator", "administrator", "other_staff", "moderator_no_2fa"},
    ),
    ("community.thank_story", "pending", set()),
    ("community.moderate_story", "pending", {"moderator", "administrator"}),
    ("community.feature_story", "published", {"moderator", "administrator"}),
    ("community.publish_story", None, {"moderator", "administrator", "other_staff"}),
    ("community.change_campaign", None, {"moderator", "administrator"}),
    ("community.add_campaign", None, {"moderator", "administrator"}),
]


@pytest.mark.parametrize(("perm", "which", "allowed"), CASES)
@pytest.mark.parametrize("role", ROLES)
def test_story_rule_for_each_role(people, pending, published, perm, which, allowed, role):
    story = {"pending": pending, "published": published, None: None}[which]
    assert people[role].has_perm(perm, story) is (role in allowed)
