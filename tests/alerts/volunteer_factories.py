"""Test data for volunteer call-outs: skills, registered volunteers, call-outs."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from alerts.models import CapStatus, Skill
from alerts.services import volunteers as services
from tests.accounts.factories import UserFactory
from tests.alerts.factories import author, published


def skill(name: str = "First aid") -> Skill:
    return Skill.objects.get_or_create(name=name)[0]


def volunteer(*, skills=(), areas=(), consent=True, exercises=False, **user_fields):
    user = UserFactory(**user_fields)
    services.registration_save(
        user=user,
        skills=skills,
        areas=areas,
        availability="Evenings",
        consent=consent,
        receive_exercises=exercises,
    )
    return user


def content(**fields) -> services.CallOutContent:
    now = timezone.now()
    defaults = {
        "task": "Fill sandbags",
        "place": "Harbourside community centre",
        "starts_at": now + timedelta(hours=1),
        "ends_at": now + timedelta(hours=4),
        "needed": 10,
    }
    defaults.update(fields)
    return services.CallOutContent(**defaults)


def callout(*, by=None, alert=None, exercise=False, **fields):
    by = by or author()
    if alert is None:
        alert = published(by=by, status=CapStatus.EXERCISE if exercise else CapStatus.ACTUAL)
    return services.callout_create(actor=by, alert=alert, content=content(**fields))
