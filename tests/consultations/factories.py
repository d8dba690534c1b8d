"""Consultations factories.

ConsultationFactory()                      published, open now, for signed-in residents
ConsultationFactory(upcoming=True)         opens tomorrow;   (closed=True) closed yesterday
QuestionFactory(consultation=c, kind=..., choices=["A", "B"])
"""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from consultations.models import (
    Audience,
    Choice,
    Consultation,
    DraftDocument,
    Paragraph,
    Question,
    Section,
)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    class Params:
        upcoming = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)),
            closes_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=10)),
        )
        closed = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=10)),
            closes_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
        )

    title = factory.Sequence(lambda n: f"Consultation {n}")
    slug = factory.Sequence(lambda n: f"consultation-{n}")
    summary = "What do you think about **this**?"
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    audience = Audience.SIGNED_IN
    is_published = True


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    consultation = factory.SubFactory(ConsultationFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Question {n}?")
    kind = Question.Kind.SINGLE

    @factory.post_generation
    def choices(obj, create, extracted, **kwargs):
        """``choices=["A", "B"]`` adds those choices in order."""
        if create and extracted:
            for index, label in enumerate(extracted):
                Choice.objects.create(question=obj, order=index, label=label)


def draft_with_paragraphs(consultation, texts=("First paragraph.", "Second paragraph.")):
    draft = DraftDocument.objects.create(consultation=consultation, title="Draft plan")
    section = Section.objects.create(draft=draft, title="Section one")
    paragraphs = [
        Paragraph.objects.create(section=section, order=i, text=t) for i, t in enumerate(texts)
    ]
    return draft, paragraphs
