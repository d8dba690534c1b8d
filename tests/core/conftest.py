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
