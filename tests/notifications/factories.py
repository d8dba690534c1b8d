"""Test data for the notification engine."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password

from civicportal.accounts.models import User
from civicportal.notifications.models import Delivery, Event

CONTEXT = {
    "subject": "Your idea %(title)s has a new status",
    "body": "The council answered your idea.\n\nThank you for taking part.",
    "params": {"title": "More benches"},
    "url": "/ideas/1/",
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"resident{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Resident {n}")
    preferred_language = "en"
    password = factory.LazyFunction(lambda: make_password(None))


def users_create(count: int, **fields) -> list[User]:
    """``count`` residents in one INSERT."""
    return User.objects.bulk_create(UserFactory.build_batch(count, **fields))


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    kind = "tests.status_changed"
    context = factory.LazyFunction(lambda: dict(CONTEXT))
    idempotency_key = factory.Sequence(lambda n: f"tests.event.{n}")


def deliveries_create(users: list[User], *, event: Event | None = None, **fields) -> list[int]:
    """Email deliveries inserted directly, *not* enqueued (for claim and sweep tests)."""
    event = event or EventFactory()
    Delivery.objects.bulk_create(
        [
            Delivery(event=event, recipient=user, channel="email", address=user.email, **fields)
            for user in users
        ]
    )
    return list(Delivery.objects.filter(event=event).order_by("id").values_list("id", flat=True))
