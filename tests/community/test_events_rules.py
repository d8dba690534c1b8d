"""Who may do what with community events: every rule, for every role (anonymous, resident,
verified resident with and without the council's permission, the event's resident
organiser, moderator, event organiser with and without a second factor, administrator)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicportal.accounts import roles
from civicportal.kernel.second_factor import mark_second_factor
from community.models import Event
from community.roles_events import EVENT_ORGANISER
from community.services import events as services
from tests.accounts.factories import StaffFactory, UserFactory
from tests.community.factories_events import event, event_fields

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "resident",
    "verified",
    "verified_allowed",
    "own_organiser",
    "moderator",
    "event_organiser",
    "event_organiser_without_2fa",
    "administrator",
]


def _user(role: str, settings, owner):
    settings.COMMUNITY_RESIDENT_EVENTS = role == "verified_allowed"
    if role == "anonymous":
        return AnonymousUser()
    if role == "resident":
        return UserFactory()
    if role in ("verified", "verified_allowed"):
        return UserFactory(verified=True)
    if role == "own_organiser":
        return owner
    if role == "moderator":
        return StaffFactory(role=roles.MODERATOR, mfa=True)
    if role == "administrator":
        return StaffFactory(role=roles.ADMINISTRATOR, mfa=True)
    user = StaffFactory(role=EVENT_ORGANISER, mfa=True)
    if role == "event_organiser_without_2fa":
        mark_second_factor(user, verified=False)
    return user


@pytest.fixture
def events(settings):
    """A resident's event waiting for moderation and a published one of theirs."""
    settings.COMMUNITY_RESIDENT_EVENTS = True
    owner = UserFactory(verified=True)
    pending = services.event_create(actor=owner, **event_fields(title="Pending"))
    published = services.event_create(actor=owner, **event_fields(title="Published"))
    Event.objects.filter(pk=published.pk).update(state=Event.State.PUBLISHED)
    published.refresh_from_db()
    return owner, pending, published


# role -> expected answer, in ROLES' order.
EXPECTED = {
    "community.create_event": (0, 0, 0, 1, 0, 0, 1, 0, 1),
    "community.publish_event": (0, 0, 0, 0, 0, 1, 1, 0, 1),
    "community.view_event": (0, 0, 0, 0, 0, 1, 1, 0, 1),
    "community.view_eventawaitingmoderation": (0, 0, 0, 0, 0, 1, 1, 0, 1),
}
# Object rules: (on the pending event, on the published one) per role.
EXPECTED_ON_EVENTS = {
    "community.update_event": (
        (0, 0), (0, 0), (0, 0), (0, 0), (1, 0), (0, 0), (1, 1), (0, 0), (1, 1),
    ),
    "community.manage_event": (
        (0, 0), (0, 0), (0, 0), (0, 0), (1, 1), (0, 0), (1, 1), (0, 0), (1, 1),
    ),
    "community.see_event": (
        (0, 1), (0, 1), (0, 1), (0, 1), (1, 1), (1, 1), (1, 1), (0, 1), (1, 1),
    ),
    "community.signup_event": (
        (0, 0), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1),
    ),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_module_rule_per_role(perm, role, settings, events):
    owner, _, _ = events
    user = _user(role, settings, owner)
    assert user.has_perm(perm) is bool(EXPECTED[perm][ROLES.index(role)])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("perm", sorted(EXPECTED_ON_EVENTS))
def test_event_rule_per_role(perm, role, settings, events):
    owner, pending, published = events
    user = _user(role, settings, owner)
    expected = EXPECTED_ON_EVENTS[perm][ROLES.index(role)]
    answers = (user.has_perm(perm, pending), user.has_perm(perm, published))
    assert answers == (bool(expected[0]), bool(expected[1]))


def test_sign_up_closes_when_an_event_is_cancelled_or_over(settings):
    by = StaffFactory(role=EVENT_ORGANISER, mfa=True)
    made = event(by=by)
    resident = UserFactory()
    assert resident.has_perm("community.signup_event", made)
    services.event_cancel(actor=by, event=made, reason="Storm")
    made.refresh_from_db()
    assert not resident.has_perm("community.signup_event", made)
