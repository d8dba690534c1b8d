"""Residents who took part, with their answers, made straight in the tables the dashboard
reads (the recording itself is tested in test_participation.py)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from civicportal.audience.models import Participation, ProfileAnswer, ProfileQuestion
from tests.accounts.factories import UserFactory


def took_part(
    count: int,
    *,
    answers: dict[str, str] | None = None,
    module: str = "proposals",
    action: str = "idea",
    source: str = "",
    day: date | None = None,
) -> list:
    """``count`` new residents who took part once, each answering ``answers``
    (``{question key: choice key, "declined" or "area:<slug>"}``)."""
    day = day or timezone.localdate()
    users = UserFactory.create_batch(count)
    Participation.objects.bulk_create(
        [
            Participation(user=user, module=module, action=action, source=source, day=day)
            for user in users
        ]
    )
    for key, value in (answers or {}).items():
        question = ProfileQuestion.objects.get(key=key)
        fields: dict = {"declined": value == "declined"}
        if value.startswith("area:"):
            from civicportal.accounts.models import Area

            fields["area"] = Area.objects.get(slug=value.removeprefix("area:"))
        elif value != "declined":
            fields["choice"] = question.choices.get(key=value)
        ProfileAnswer.objects.bulk_create(
            [
                ProfileAnswer(user=user, question=question, answered_at=timezone.now(), **fields)
                for user in users
            ]
        )
    return users
