"""The outbox services against PostgreSQL and the real broker: creating events and their
deliveries, handed to workers on commit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction

from civicportal.accounts.models import User
from civicportal.notifications.models import Delivery, Event, PushSubscription
from civicportal.notifications.services import deliveries_sweep, event_create
from tests.notifications.factories import CONTEXT, EventFactory, users_create
from tests.notifications.helpers import email_only, queued_chunks


def email_and_inbox(user: User) -> list[str]:
    return ["email", "inbox"]


@pytest.mark.django_db
def test_event_create_twice_keeps_one_delivery_per_recipient_and_channel(
    django_capture_on_commit_callbacks,
):
    users = users_create(5)
    recipients = User.objects.filter(pk__in=[u.pk for u in users])
    with django_capture_on_commit_callbacks() as callbacks:
        first = event_create(
            kind="tests.status_changed",
            recipients=recipients,
            channels_for=email_and_inbox,
            context=CONTEXT,
            idempotency_key="idea-1-status-3",
        )
        second = event_create(
            kind="tests.status_changed",
            recipients=recipients,
            channels_for=email_and_inbox,
            context=CONTEXT,
            idempotency_key="idea-1-status-3",
        )

    assert second.pk == first.pk
    assert Event.objects.count() == 1
    assert Delivery.objects.count() == 10
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    # The repeat inserted nothing, so it enqueued nothing either.
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_event_create_repeat_adds_only_the_missing_recipients(
    django_capture_on_commit_callbacks, broker
):
    users = users_create(4)
    with django_capture_on_commit_callbacks(execute=True):
        event_create(
            kind="tests.status_changed",
            recipients=users[:3],
            channels_for=email_only,
            context=CONTEXT,
            idempotency_key="k",
        )
        event_create(
            kind="tests.status_changed",
            recipients=users,
            channels_for=email_only,
            context=CONTEXT,
            idempotency_key="k",
        )

    assert Delivery.objects.count() == 4
    first_ids = list(
        Delivery.objects.filter(recipient__in=users[:3]).order_by("id").values_list("id", flat=True)
    )
    last_id = Delivery.objects.get(recipient=users[3]).pk
    assert queued_chunks(broker) == [first_ids, [last_id]]


@pytest.mark.django_db
def test_delivery_unique_constraints_refuse_a_second_row():
    user = users_create(1)[0]
    event = EventFactory()
    Delivery.objects.create(event=event, recipient=user, channel="email", address=user.email)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(event=event, recipient=user, channel="email", address="x@y.org")

    Delivery.objects.create(event=event, channel="social", address="@council@social.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(event=event, channel="social", address="@council@social.example")
    Delivery.objects.create(event=event, channel="social", address="@mayor@social.example")
    assert Delivery.objects.count() == 3


@pytest.mark.django_db
def test_event_create_enqueues_chunked_tasks_only_on_commit(
    settings, django_capture_on_commit_callbacks, broker
):
    settings.NOTIFICATIONS_CHUNK_SIZE = 3
    users = users_create(7)
    with django_capture_on_commit_callbacks() as callbacks:
        event = event_create(
            kind="tests.status_changed",
            recipients=User.objects.filter(pk__in=[u.pk for u in users]),
            channels_for=email_only,
            context=CONTEXT,
            idempotency_key="chunked",
        )
        assert broker.llen("celery") == 0

    assert broker.llen("celery") == 0  # still nothing: the transaction has not committed
    for callback in callbacks:
        callback()

    ids = list(event.deliveries.order_by("id").values_list("id", flat=True))
    assert queued_chunks(broker) == [ids[0:3], ids[3:6], ids[6:7]]


def email_and_push(user):
    return ["email", "push"]


@pytest.mark.django_db
def test_urgent_deliveries_go_to_their_channels_urgent_queues_and_keep_them_when_swept(
    settings, django_capture_on_commit_callbacks, broker
):
    """Alerts never wait behind a backlog, nor one channel behind another: their chunks
    (and their re-queues) go to one queue per channel, apart from everything else."""
    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "push": "civicportal.notifications.channels.push.PushChannel",
    }
    users = users_create(3)
    for user in users:
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example.org/{user.pk}", p256dh="k", auth="a"
        )
    with django_capture_on_commit_callbacks(execute=True):
        ordinary = event_create(
            kind="tests.status_changed",
            recipients=users,
            channels_for=email_and_push,
            context=CONTEXT,
            idempotency_key="ordinary",
        )
        urgent = event_create(
            kind="tests.status_changed",
            recipients=users,
            channels_for=email_and_push,
            context=CONTEXT,
            idempotency_key="urgent",
            urgent=True,
        )

    def ids(event, channel=None):
        rows = event.deliveries.order_by("id")
        if channel:
            rows = rows.filter(channel=channel)
        return list(rows.values_list("id", flat=True))

    email_queue, push_queue = f"{settings.URGENT_QUEUE}.email", f"{settings.URGENT_QUEUE}.push"

    def assert_queued():
        assert queued_chunks(broker, email_queue) == [ids(urgent, "email")]
        assert queued_chunks(broker, push_queue) == [ids(urgent, "push")]
        assert queued_chunks(broker, settings.URGENT_QUEUE) == []
        assert queued_chunks(broker) == [ids(ordinary)]

    assert len(ids(urgent, "push")) == 3
    assert_queued()

    # All lost (a broker that forgot them): the sweeper re-queues each to its own queue.
    broker.delete("celery", email_queue, push_queue)
    Delivery.objects.update(queued_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_sweep()
    assert_queued()


@pytest.mark.django_db
def test_event_create_includes_broadcasts_and_skips_inactive_users(
    django_capture_on_commit_callbacks,
):
    active, inactive = users_create(2)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    with django_capture_on_commit_callbacks():
        event = event_create(
            kind="tests.status_changed",
            recipients=User.objects.filter(pk__in=[active.pk, inactive.pk]),
            channels_for=email_only,
            context=CONTEXT,
            idempotency_key="broadcast",
            broadcasts=[("inbox", "council-noticeboard")],
            urgent=True,
            source=active,
        )

    rows = set(event.deliveries.values_list("recipient_id", "channel", "address"))
    assert rows == {(active.pk, "email", active.email), (None, "inbox", "council-noticeboard")}
    assert event.urgent
    assert event.source == active


@pytest.mark.django_db
def test_event_create_refuses_a_channel_without_backend(settings):
    settings.NOTIFICATIONS_CHANNELS = {
        name: path for name, path in settings.NOTIFICATIONS_CHANNELS.items() if name != "sms"
    }
    user = users_create(1)[0]
    with pytest.raises(ImproperlyConfigured, match="sms"):
        event_create(
            kind="tests.status_changed",
            recipients=[user],
            channels_for=lambda user: ["sms"],
            context=CONTEXT,
            idempotency_key="no-sms",
        )
    assert not Delivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "context", "message"),
    [
        ("../../etc/passwd", CONTEXT, "lower-case"),
        ("tests.ok", {"body": "no subject"}, "subject"),
        ("tests.ok", {"subject": "Hi %(name)s", "params": {}}, "params"),
    ],
)
def test_event_create_refuses_what_could_not_be_rendered(kind, context, message):
    with pytest.raises(ValidationError, match=message):
        event_create(
            kind=kind,
            recipients=users_create(1),
            channels_for=email_only,
            context=context,
            idempotency_key="bad",
        )
    assert not Event.objects.exists()
