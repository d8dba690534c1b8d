"""The reminders' periodic task: registered with Celery under the name beat uses, and safe
to run twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicportal.celery import app as celery_app
from civicportal.core import periodic
from community.models import EventReminder
from community.services import events as services
from community.tasks_events import event_reminders_send_task
from tests.community.factories_events import event, residents

pytestmark = pytest.mark.django_db


def test_reminder_job_is_registered_and_sends_once():
    job = {j.name: j for j in periodic.jobs()}["community-event-reminders"]
    assert job.task in celery_app.tasks
    soon = timezone.now() + timedelta(hours=10)
    made = event(starts_at=soon, ends_at=soon + timedelta(hours=1))
    for person in residents(3):
        services.signup_create(actor=person, event=made)
    assert event_reminders_send_task() == 3
    assert event_reminders_send_task() == 0
    assert EventReminder.objects.count() == 3
