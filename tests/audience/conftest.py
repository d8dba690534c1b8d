"""Fixtures of who takes part's tests."""

from __future__ import annotations

import pytest

from civicportal.accounts import roles
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(autouse=True)
def _audience_settings(settings):
    settings.AUDIENCE_SOURCES = "mastodon,bluesky,facebook,email,newsletter,poster,website,qr"
    settings.AUDIENCE_MIN_GROUP = 10
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def browser(client):
    """A visitor's browser: it says who it is, as every browser does."""
    client.defaults["HTTP_USER_AGENT"] = BROWSER
    return client


@pytest.fixture
def resident(db):
    return UserFactory(display_name="Anna")


@pytest.fixture
def area(db):
    return AreaFactory(name="Old Town", slug="old-town")


@pytest.fixture
def administrator(db):
    return StaffFactory(role=roles.ADMINISTRATOR, mfa=True)


@pytest.fixture
def moderator(db):
    return StaffFactory(role=roles.MODERATOR, mfa=True)
