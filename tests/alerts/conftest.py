"""Fixtures of the alerts tests; the real SMTP and HTTP sinks and worker of the
notification tests are reused as they are."""

from __future__ import annotations

import pytest

from tests.notifications.conftest import (  # noqa: F401  (fixtures)
    broker,
    celery_worker,
    http_sink,
    smtp_sink,
)


@pytest.fixture
def alert_author(db):
    from tests.alerts.factories import author

    return author()


@pytest.fixture
def alert_approver(db):
    from tests.alerts.factories import approver

    return approver()
