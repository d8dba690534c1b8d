"""Fixtures of the consultations tests: residents in every role, and a questionnaire with
every question type and a conditional question."""

from __future__ import annotations

import pytest

from consultations.models import Question
from consultations.roles import CONSULTATION_MANAGER
from tests.accounts.factories import StaffFactory, UserFactory
from tests.consultations.factories import ConsultationFactory, QuestionFactory

Kind = Question.Kind


@pytest.fixture
def resident(db):
    return UserFactory()


@pytest.fixture
def verified(db):
    return UserFactory(verified=True)


@pytest.fixture
def manager(db):
    return StaffFactory(role=CONSULTATION_MANAGER, mfa=True)


@pytest.fixture
def consultation(db):
    return ConsultationFactory()


class Questionnaire:
    """A consultation with one question of each type; ``cycle`` shows ``how_often``."""

    def __init__(self, consultation):
        self.consultation = consultation
        self.cycle = QuestionFactory(
            consultation=consultation,
            order=1,
            text="How do you get to work?",
            kind=Kind.SINGLE,
            required=True,
            choices=["Bike", "Bus", "Car"],
        )
        self.bike, self.bus, self.car = self.cycle.choices.all()
        self.how_often = QuestionFactory(
            consultation=consultation,
            order=2,
            text="How many days a week do you cycle?",
            kind=Kind.RATING,
            rating_min=1,
            rating_max=7,
            depends_on=self.cycle,
            required=True,
        )
        self.how_often.depends_on_choices.set([self.bike])
        self.wanted = QuestionFactory(
            consultation=consultation,
            order=3,
            text="What would help?",
            kind=Kind.MULTIPLE,
            allow_other=True,
            max_length=50,
            choices=["Lanes", "Parking", "Lights"],
        )
        self.lanes, self.parking, self.lights = self.wanted.choices.all()
        self.idea = QuestionFactory(
            consultation=consultation, order=4, text="Ideas?", kind=Kind.TEXT, max_length=20
        )
        self.rank = QuestionFactory(
            consultation=consultation,
            order=5,
            text="Rank these",
            kind=Kind.RANKING,
            choices=["Safety", "Speed", "Cost"],
        )
        self.safety, self.speed, self.cost = self.rank.choices.all()
        self.agree = QuestionFactory(
            consultation=consultation,
            order=6,
            text="Do you agree with the plan?",
            kind=Kind.YES_NO,
            allow_comment=True,
            max_length=30,
        )

    def valid(self, overrides: dict | None = None) -> dict:
        answers = {
            self.cycle.pk: {"choice": self.bike.pk},
            self.how_often.pk: {"value": 3},
            self.wanted.pk: {"choices": [self.lanes.pk, self.lights.pk], "other": "Showers"},
            self.idea.pk: {"text": "More racks"},
            self.rank.pk: {"order": [self.speed.pk, self.safety.pk, self.cost.pk]},
            self.agree.pk: {"value": "yes", "comment": "Good plan"},
        }
        answers.update(overrides or {})
        return answers


@pytest.fixture
def questionnaire(consultation):
    return Questionnaire(consultation)
