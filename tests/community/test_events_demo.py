"""seed_demo's events: a believable clean-up that is full with a waiting list, once."""

from __future__ import annotations

import pytest

from civicportal.core import demo
from community.demo_events import CLEAN_UP
from community.models import Event, EventSignup

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_a_full_clean_up_with_a_waiting_list_once():
    demo.seed_demo()
    clean_up = Event.objects.get(title=CLEAN_UP)
    assert clean_up.state == Event.State.PUBLISHED
    assert clean_up.confirmed_count == clean_up.capacity
    assert EventSignup.objects.filter(event=clean_up, status="waiting").count() >= 1
    demo.seed_demo()
    assert Event.objects.filter(title=CLEAN_UP).count() == 1
