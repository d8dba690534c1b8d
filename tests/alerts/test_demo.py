"""seed_demo's alerts part: an active alert with an update, an expired one, subscriptions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from alerts.demo import FLOOD, STORM, seed_alerts
from alerts.models import Alert, AlertSubscription
from civicportal.core import demo
from civicportal.core.demo.city import seed_city

pytestmark = pytest.mark.django_db


def test_seed_alerts_is_believable_and_idempotent():
    ctx = demo.DemoContext(now=timezone.now())
    seed_city(ctx)
    seed_alerts(ctx)
    flood = Alert.objects.get(headline__startswith=FLOOD[:10])
    assert flood.state == Alert.State.UPDATED and flood.messages.count() == 2
    assert Alert.objects.get(headline=STORM).state == Alert.State.EXPIRED
    assert [a.pk for a in Alert.objects.active()] == [flood.pk]
    subscriptions = AlertSubscription.objects.count()
    assert subscriptions >= 20
    seed_alerts(ctx)
    assert Alert.objects.count() == 2 and AlertSubscription.objects.count() == subscriptions
