from __future__ import annotations

import pytest

from civicportal.accounts import roles
from tests.accounts.factories import StaffFactory, UserFactory
from tests.proposals.factories import CategoryFactory


@pytest.fixture(autouse=True)
def _proposals_settings(settings):
    settings.PROPOSALS_REQUIRE_VERIFIED = False
    settings.PROPOSALS_IDEAS_PER_DAY = 50
    settings.PROPOSALS_FORWARD_PERIOD = "monthly"
    settings.PROPOSALS_FORWARD_TOP_N = 2
    settings.PROPOSALS_FORWARD_MIN_SUPPORT = 1
    settings.PROPOSALS_FORWARD_THRESHOLD = 5
    settings.PROPOSALS_ARCHIVE_AFTER_DAYS = 90
    settings.CORE_COMMENT_RATE_LIMIT = 0


@pytest.fixture
def resident(db):
    return UserFactory(display_name="Anna")


@pytest.fixture
def other(db):
    return UserFactory(display_name="Bjarni")


@pytest.fixture
def moderator(db):
    return StaffFactory(role=roles.MODERATOR, mfa=True)


@pytest.fixture
def category(db):
    return CategoryFactory(name="Transport", slug="transport")
