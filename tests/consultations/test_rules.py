"""Who may answer, see and publish results: every role, in every phase and audience."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from civicportal.accounts import roles
from consultations.models import Audience
from consultations.roles import CONSULTATION_MANAGER
from tests.accounts.factories import StaffFactory, UserFactory
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "signed_in", "verified", "staff", "manager"]


def person(role: str):
    if role == "anonymous":
        return AnonymousUser()
    if role == "signed_in":
        return UserFactory()
    if role == "verified":
        return UserFactory(verified=True)
    if role == "staff":
        return StaffFactory(role=roles.MODERATOR)
    return StaffFactory(role=CONSULTATION_MANAGER)


# (audience, role) -> may answer while open
MAY_ANSWER = {
    (Audience.EVERYONE, "anonymous"): True,
    (Audience.EVERYONE, "signed_in"): True,
    (Audience.EVERYONE, "verified"): True,
    (Audience.SIGNED_IN, "signed_in"): True,
    (Audience.SIGNED_IN, "verified"): True,
    (Audience.VERIFIED, "verified"): True,
}


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", ["upcoming", "open", "closed"])
def test_respond_consultation_by_audience_role_and_phase(audience, role, phase):
    consultation = ConsultationFactory(
        audience=audience, **({phase: True} if phase != "open" else {})
    )
    expected = phase == "open" and MAY_ANSWER.get((audience, role), False)
    assert person(role).has_perm("consultations.respond_consultation", consultation) is expected


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_see_unpublished_consultations(role):
    consultation = ConsultationFactory(is_published=False)
    assert person(role).has_perm("consultations.view_consultation", consultation) is (
        role == "manager"
    )
    assert person(role).has_perm("consultations.view_consultation", ConsultationFactory())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("published", [False, True])
def test_results_are_public_only_once_published(role, published):
    from django.utils import timezone

    consultation = ConsultationFactory(
        closed=True, results_published_at=timezone.now() if published else None
    )
    assert person(role).has_perm("consultations.view_results", consultation) is (
        published or role == "manager"
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", ["open", "closed"])
def test_only_managers_publish_results_and_only_after_closing(role, phase):
    consultation = ConsultationFactory(**({"closed": True} if phase == "closed" else {}))
    assert person(role).has_perm("consultations.publish_results", consultation) is (
        role == "manager" and phase == "closed"
    )
    assert person(role).has_perm("consultations.manage_consultation", consultation) is (
        role == "manager"
    )
