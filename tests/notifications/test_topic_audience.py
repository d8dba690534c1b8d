"""Residents are offered only the topics they can receive: a staff notice is not theirs to
choose, and the participation notices (replies, comments on what they follow) are."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from civicportal.notifications.models import NotificationPreference
from civicportal.notifications.selectors import preference_table
from civicportal.notifications.services import preferences_update
from tests.accounts.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

STAFF_TOPIC = "proposals.forwarded"


def _keys(user) -> list[str]:
    return [row.topic.key for row in preference_table(viewer=user)]


def test_residents_are_not_offered_the_staff_topic_but_the_comment_topics():
    keys = _keys(UserFactory())
    assert STAFF_TOPIC not in keys
    assert {"comments.reply", "comments.followed"} <= set(keys)


@pytest.mark.parametrize("role", [roles.MODERATOR, roles.ADMINISTRATOR])
def test_staff_who_receive_it_are_offered_the_staff_topic(role):
    assert STAFF_TOPIC in _keys(StaffFactory(role=role, mfa=True))


def test_staff_in_other_roles_are_not_offered_it():
    assert STAFF_TOPIC not in _keys(StaffFactory(role=BUDGET_OFFICER, mfa=True))


def test_a_resident_cannot_store_a_choice_for_the_staff_topic():
    resident = UserFactory()
    with pytest.raises(ValidationError):
        preferences_update(user=resident, choices={(STAFF_TOPIC, "email"): (True, "immediate")})
    assert not NotificationPreference.objects.exists()


def test_the_preferences_page_shows_a_resident_only_their_topics(client):
    client.force_login(UserFactory())
    page = client.get("/profile/notifications/").content.decode()
    assert "Ideas forwarded to the council" not in page
    assert "Replies to my comments" in page and "New comments on what I follow" in page
    posted = client.post("/profile/notifications/", {f"{STAFF_TOPIC}__email": "on"})
    assert posted.status_code == 302
    assert not NotificationPreference.objects.filter(topic=STAFF_TOPIC).exists()
