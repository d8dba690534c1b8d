"""seed_demo's volunteer part: skills, a register, an exercise call-out with answers."""

from __future__ import annotations

import pytest
from django.utils import timezone

from alerts.demo import seed_alerts
from alerts.demo_volunteers import (
    CALLOUT_TASK,
    EXERCISE_ALERT_HEADLINE,
    exercise_alert_get_or_create,
    seed_volunteers,
)
from alerts.models import Alert, CallOut, Skill, VolunteerRegistration
from civicportal.core import demo
from civicportal.core.demo.city import seed_city

pytestmark = pytest.mark.django_db


def test_seed_volunteers_makes_an_exercise_callout_once():
    ctx = demo.DemoContext(now=timezone.now())
    seed_city(ctx)
    seed_alerts(ctx)
    seed_volunteers(ctx)
    callout = CallOut.objects.get(task=CALLOUT_TASK)
    assert callout.alert.is_exercise and callout.alert.headline == EXERCISE_ALERT_HEADLINE
    assert Skill.objects.count() >= 8 and VolunteerRegistration.objects.count() >= 20
    assert 1 <= callout.accepted_count <= callout.needed
    assert callout.responses.filter(checked_in_at__isnull=False).count() == 1
    seed_volunteers(ctx)
    assert CallOut.objects.count() == 1
    assert exercise_alert_get_or_create(ctx).pk == callout.alert_id
    assert Alert.objects.filter(headline=EXERCISE_ALERT_HEADLINE).count() == 1
