"""Fixtures of social reach's tests, one module per part; the notification tests' real
broker and worker are reused as they are."""

from __future__ import annotations

import pytest

from tests.notifications.conftest import (  # noqa: F401  (fixtures)
    broker,
    celery_worker,
    http_sink,
)


@pytest.fixture(autouse=True)
def _social_accounts(settings):
    """Two accounts with different limits: Mastodon's 500 and the recording one's 120."""
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon", "recording"]
    settings.NOTIFICATIONS_SOCIAL_MAX_LENGTH = 120
    settings.SITE_URL = "https://portal.example"
