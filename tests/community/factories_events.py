"""Test data for community events: an event organiser (staff), events made through the
services, sign-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Event, EventKind
from community.roles_events import EVENT_ORGANISER
from community.services import events as services
from tests.accounts.factories import StaffFactory, UserFactory


def organiser(**kwargs):
    return StaffFactory(role=EVENT_ORGANISER, mfa=True, **kwargs)


def event_fields(**fields) -> dict:
    start = timezone.now() + timedelta(days=3)
    defaults = {
        "kind": EventKind.CLEAN_UP,
        "title": "Riverside clean-up",
        "description": "Clear litter from the **riverbank**.",
        "place": "Old mill car park",
        "latitude": "64.146600",
        "longitude": "-21.942600",
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "capacity": 10,
        "what_to_bring": "Gloves",
    }
    defaults.update(fields)
    return defaults


def event(*, by=None, **fields) -> Event:
    return services.event_create(actor=by or organiser(), **event_fields(**fields))


def past_event(*, by=None, **fields) -> Event:
    """A published event that took place yesterday (dated after creation: the services
    refuse a start in the past)."""
    made = event(by=by, **fields)
    start = timezone.now() - timedelta(days=1)
    Event.objects.filter(pk=made.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    made.refresh_from_db()
    return made


def residents(count: int) -> list:
    return [UserFactory() for _ in range(count)]


# Fixtures, imported by the events tests (the app's conftest is shared with other parts).
@pytest.fixture
def event_organiser(db):
    return organiser()


@pytest.fixture
def resident(db):
    return UserFactory()
