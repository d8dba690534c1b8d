"""seed_demo's rumour control: two fact checks on the shared exercise incident, a public
standalone one, questions in the queue; idempotent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from alerts.demo import seed_alerts
from alerts.demo_factchecks import (
    EXERCISE_HEADLINE,
    exercise_incident,
    seed_rumour_control,
)
from alerts.demo_volunteers import seed_volunteers
from alerts.models import Alert, CallOut, CapStatus, FactCheck, FactCheckQuestion
from civicportal.core import demo
from civicportal.core.demo.city import seed_city

pytestmark = pytest.mark.django_db


def test_seed_rumour_control_is_believable_and_idempotent():
    ctx = demo.DemoContext(now=timezone.now())
    seed_city(ctx)
    seed_alerts(ctx)
    seed_rumour_control(ctx)
    drill = Alert.objects.get(headline=EXERCISE_HEADLINE, status=CapStatus.EXERCISE)
    on_drill = FactCheck.objects.filter(alert=drill)
    assert sorted(on_drill.values_list("state", flat=True)) == ["pending", "published"]
    approved = on_drill.get(state="published")
    assert approved.approver_id and approved.approver_id != approved.author_id
    assert [f.claim for f in FactCheck.objects.public()] == [
        FactCheck.objects.get(alert=None).claim
    ]
    states = sorted(FactCheckQuestion.objects.values_list("state", flat=True))
    assert states == ["answered", "fact_checked", "new"]
    seed_rumour_control(ctx)
    assert FactCheck.objects.count() == 3 and FactCheckQuestion.objects.count() == 3
    # Another seeder of the same drill finds this incident rather than making a second:
    # the exercise incident carries both the call-out and the two fact checks.
    assert exercise_incident(ctx) == drill
    seed_volunteers(ctx)
    assert list(CallOut.objects.values_list("alert", flat=True)) == [drill.pk]
    assert Alert.objects.filter(headline=EXERCISE_HEADLINE).count() == 1
