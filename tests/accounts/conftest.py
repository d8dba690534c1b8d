from __future__ import annotations

import pytest

from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory


@pytest.fixture
def area(db):
    return AreaFactory(name="Old Town", slug="old-town")


@pytest.fixture
def resident(db):
    return UserFactory()


@pytest.fixture
def administrator(db):
    from civicportal.accounts import roles

    return StaffFactory(role=roles.ADMINISTRATOR, mfa=True)


@pytest.fixture
def english(settings):
    """Pin the language so that page texts compare as written."""
    settings.LANGUAGE_CODE = "en"
