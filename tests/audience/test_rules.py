"""Who may open the dashboard and keep the population figures, per role."""

from __future__ import annotations

import pytest

from civicportal.accounts import roles
from tests.accounts.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PERMISSIONS = (
    "audience.view_dashboard",
    "audience.add_populationfigure",
    "audience.change_populationfigure",
    "audience.change_profilequestion",
)


@pytest.mark.parametrize(
    ("make", "allowed"),
    [
        (lambda: UserFactory(), False),
        (lambda: UserFactory(verified=True), False),
        (lambda: StaffFactory(role=roles.MODERATOR, mfa=True), False),
        (lambda: StaffFactory(role="Budget officer", mfa=True), False),
        (lambda: StaffFactory(role=roles.ADMINISTRATOR, mfa=True), True),
    ],
    # Without the second factor a request is refused: test_dashboard.py checks that path.
    ids=["resident", "verified", "moderator", "budget-officer", "admin"],
)
def test_only_administrators_with_the_second_factor_see_who_takes_part(make, allowed):
    person = make()
    assert {perm: person.has_perm(perm) for perm in PERMISSIONS} == dict.fromkeys(
        PERMISSIONS, allowed
    )


def test_any_resident_may_answer_the_questions():
    assert UserFactory().has_perm("audience.answer_profilequestion")
    assert not UserFactory(is_active=False).has_perm("audience.answer_profilequestion")
