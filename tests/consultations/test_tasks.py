"""The beat job that announces newly opened consultations."""

from __future__ import annotations

import pytest

from civicportal.celery import app
from civicportal.notifications.models import Delivery
from consultations.tasks import consultations_announce_opened_task
from tests.accounts.factories import AreaFactory, UserFactory
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def test_announce_task_is_on_the_beat_schedule():
    app.loader.import_default_modules()  # what beat does before it reads its schedule
    entry = app.conf.beat_schedule["consultations-announce-opened"]
    assert entry["task"] == "consultations.tasks.consultations_announce_opened_task"


def test_announce_task_is_safe_to_run_twice(django_capture_on_commit_callbacks):
    area = AreaFactory()
    resident = UserFactory(home_area=area)
    ConsultationFactory(area=area)
    with django_capture_on_commit_callbacks() as callbacks:
        assert consultations_announce_opened_task() == 1
        assert consultations_announce_opened_task() == 0
    assert callbacks  # deliveries are handed to workers after commit
    assert Delivery.objects.filter(recipient=resident).count() == Delivery.objects.count()
    assert Delivery.objects.filter(recipient=resident).exists()
