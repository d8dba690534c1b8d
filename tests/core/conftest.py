from __future__ import annotations

import pytest


@pytest.fixture
def uncollected_static(settings):
    """Serve static URLs without the collected manifest.

    Tests run with DEBUG off, where the manifest storage needs ``collectstatic`` output in
    STATIC_ROOT; ``make smoke`` checks pages against the real collected files instead.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        email="resident@example.org",
        password="a long and unusual password",
        display_name="Pat Resident",
        preferred_language="en",
    )


# --- Participation pieces (comments, reports, follows) -------------------------------------


@pytest.fixture
def participation(settings):
    """The core's settings at known values, with accounts.Area as a commentable item.

    No test app is needed: areas stand in for any domain item (ideas, projects, alerts).
    """
    from civicportal.accounts.models import Area
    from civicportal.core import targets

    settings.CORE_COMMENT_EDIT_MINUTES = 15
    settings.CORE_COMMENT_RATE_LIMIT = 0
    settings.CORE_FLAG_HIDE_THRESHOLD = 3
    settings.LANGUAGE_CODE = "en"
    targets.register(Area, comments=True, follows=True, flags=False)
    yield
    targets.unregister(Area)


@pytest.fixture
def item(db, participation):
    from tests.accounts.factories import AreaFactory

    return AreaFactory(name="Old Town", slug="old-town")


@pytest.fixture
def resident(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(display_name="Pat Resident", preferred_language="en")


@pytest.fixture
def moderator(db):
    from civicportal.accounts import roles
    from tests.accounts.factories import StaffFactory

    return StaffFactory(role=roles.MODERATOR, mfa=True, display_name="Mo Derator")
