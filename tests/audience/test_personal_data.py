"""Who takes part in the resident's personal data: exported, and erased with the account."""

from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from civicportal.audience.models import (
    Participation,
    ProfileAnswer,
    ProfileQuestion,
    ProfileQuestionsAsked,
    SourceVisit,
)
from civicportal.audience.services import profile_answers_save
from civicportal.kernel import personal_data
from tests.audience.helpers import took_part

pytestmark = pytest.mark.django_db


def part():
    return next(p for p in personal_data.parts() if p.name == "audience")


def test_export_holds_the_answers_and_participations(resident, area):
    profile_answers_save(user=resident, answers={"age-band": "25-34", "district": area.slug})
    Participation.objects.create(
        user=resident, module="proposals", action="idea", source="bluesky", day=timezone.localdate()
    )
    exported = part().export(resident)
    json.dumps(exported, cls=DjangoJSONEncoder)  # goes into the download as JSON
    answers = {row["question"]: row["answer"] for row in exported["profile_answers"]}
    assert answers == {"Your age band": "25 to 34", "The district you live in": "Old Town"}
    assert exported["profile_questions_asked_at"] is not None
    assert exported["participations"] == [
        {"day": timezone.localdate(), "module": "proposals", "action": "idea", "source": "bluesky"}
    ]


def test_erase_removes_only_the_residents_rows(resident):
    profile_answers_save(user=resident, answers={"age-band": "25-34"})
    Participation.objects.create(
        user=resident, module="proposals", action="idea", day=timezone.localdate()
    )
    (other,) = took_part(1, answers={"age-band": "18-24"})
    SourceVisit.objects.create(day=timezone.localdate(), source="qr", count=5)
    part().erase(resident)
    assert not ProfileAnswer.objects.filter(user=resident).exists()
    assert not Participation.objects.filter(user=resident).exists()
    assert not ProfileQuestionsAsked.objects.filter(user=resident).exists()
    assert ProfileAnswer.objects.filter(user=other).exists()
    assert Participation.objects.filter(user=other).exists()
    assert SourceVisit.objects.get().count == 5  # anonymous counters hold nothing of theirs
    resident.delete()  # the account goes after its parts: nothing holds on to it
    assert ProfileQuestion.objects.filter(key="age-band").exists()


def test_deleting_the_account_through_the_portal_erases_the_answers(resident):
    from civicportal.core.services.personal_data import account_delete
    from tests.accounts.factories import DEFAULT_PASSWORD

    profile_answers_save(user=resident, answers={"age-band": "25-34"})
    Participation.objects.create(
        user=resident, module="proposals", action="idea", day=timezone.localdate()
    )
    account_delete(user=resident, confirmation=DEFAULT_PASSWORD)
    assert not ProfileAnswer.objects.exists()
    assert not Participation.objects.exists()
    assert not ProfileQuestionsAsked.objects.exists()
