"""The fan-out of a published message: who it reaches, on which channels, in which order,
and that running it again adds nothing (in-process; tests/alerts/test_delivery.py runs it
in a real worker)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts import services
from alerts.models import AlertMessage, CapStatus
from alerts.services.anonymous import anonymous_choices
from civicportal.notifications.models import (
    Delivery,
    Event,
    NotificationPreference,
    PushSubscription,
    Subscriber,
)
from tests.alerts.factories import area, published, subscriber

pytestmark = pytest.mark.django_db


def test_fan_out_creates_one_urgent_delivery_per_subscriber_and_channel_and_is_idempotent(
    django_capture_on_commit_callbacks,
):
    where = area()
    users = [subscriber(areas=[where]) for _ in range(3)]
    subscriber(areas=[where], tests=True)  # a real alert reaches test opt-ins too
    opted_out = subscriber(areas=[where])
    NotificationPreference.objects.create(
        user=opted_out, topic="alerts.alert", channel="email", enabled=False
    )
    with django_capture_on_commit_callbacks() as callbacks:
        alert = published(areas=[where])
    assert len(callbacks) >= 1  # the fan-out is enqueued on commit, not run in the request
    message = alert.current_message
    services.alert_message_fan_out(message_id=message.pk)
    services.alert_message_fan_out(message_id=message.pk)
    event = Event.objects.get(idempotency_key=f"alerts.message.{message.pk}.en")
    assert event.urgent and event.kind == "alerts.alert"
    email = Delivery.objects.filter(event=event, channel="email")
    assert email.count() == 4
    assert {d.recipient_id for d in email} >= {u.pk for u in users}
    assert not email.filter(recipient=opted_out).exists()
    assert Delivery.objects.filter(event=event, channel="social", recipient=None).count() == 1
    message.refresh_from_db()
    assert message.fanout_completed_at is not None


def test_fan_out_writes_the_phone_channels_for_everyone_before_the_emails(settings):
    """Pushes and texts must not wait behind the emails: after the first chunk of each
    channel, every push and SMS delivery is written (and queued) before the other emails,
    for residents and subscribers without an account alike; a rerun adds nothing."""
    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "push": "civicportal.notifications.channels.push.PushChannel",
    }
    settings.NOTIFICATIONS_CHUNK_SIZE = 2
    settings.ALERTS_FANOUT_BATCH = 3
    where = area()
    by_email = [subscriber(areas=[where]) for _ in range(6)]
    by_push = []
    for _ in range(4):
        user = subscriber(areas=[where])
        user.alert_subscription.by_email, user.alert_subscription.by_push = False, True
        user.alert_subscription.save()
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example.org/{user.pk}", p256dh="k", auth="a"
        )
        by_push.append(user)
    by_email += [subscriber(areas=[where]) for _ in range(3)]  # ids after the push users
    anonymous_sms = Subscriber.objects.create(
        topic="alerts.alert", channel="sms", address="+3545551234", language="en",
        token="token-sms", confirmed_at=timezone.now(),
    )  # fmt: skip
    services.anonymous.anonymous_subscription_apply(
        anonymous_sms, anonymous_choices(areas=[where], min_severity=1, receive_tests=False)
    )
    message = published(areas=[where]).current_message

    assert services.alert_message_fan_out(message_id=message.pk) == 14
    written = list(
        Delivery.objects.exclude(channel="social")
        .order_by("id")
        .values_list("channel", "recipient_id", "subscriber_id")
    )
    first_emails = [(("email", user.pk, None)) for user in by_email[:2]]
    assert written[:2] == first_emails  # the first chunk of every channel, email's first
    phones = [row for row in written if row[0] != "email"]
    assert sorted(phones) == sorted(
        [("push", user.pk, None) for user in by_push] + [("sms", None, anonymous_sms.pk)]
    )
    later_emails = written[2 + len(phones) :]
    assert later_emails == [("email", user.pk, None) for user in by_email[2:]]
    services.alert_message_fan_out(message_id=message.pk)
    assert Delivery.objects.exclude(channel="social").count() == len(written) == 14


def test_fan_out_of_exercise_has_exercise_subject_and_no_social_post():
    where = area()
    subscriber(areas=[where], tests=True)
    alert = published(areas=[where], status=CapStatus.TEST)
    services.alert_message_fan_out(message_id=alert.current_message.pk)
    event = Event.objects.get()
    assert event.context["subject"].startswith("EXERCISE")
    assert not Delivery.objects.filter(channel="social").exists()


def test_second_language_recipients_get_their_language_event():
    where = area()
    subscriber(areas=[where], preferred_language="is")
    subscriber(areas=[where], preferred_language="en")
    alert = published(
        areas=[where],
        second_language="is",
        second_headline="Flóð",
        second_description="Áin flæðir.",
        second_instruction="Haldið ykkur frá ánni.",
    )
    services.alert_message_fan_out(message_id=alert.current_message.pk)
    is_event = Event.objects.get(idempotency_key__endswith=".is")
    assert is_event.context["params"]["headline"] == "Flóð"
    assert is_event.deliveries.count() == 1


def test_fan_outs_sweep_restarts_unfinished_fan_outs(django_capture_on_commit_callbacks, settings):
    alert = published()
    message = alert.current_message
    AlertMessage.objects.filter(pk=message.pk).update(sent=timezone.now() - timedelta(minutes=5))
    assert services.fan_outs_sweep() == 1
    services.alert_message_fan_out(message_id=message.pk)
    assert services.fan_outs_sweep() == 0


def test_fan_out_queries_grow_with_batches_not_with_subscribers(
    settings, django_assert_max_num_queries
):
    """Reading a subscriber's address, language or state never costs a query of its own."""
    settings.ALERTS_FANOUT_BATCH = 1000
    where = area()
    for _ in range(3):
        subscriber(areas=[where])
    few = published(areas=[where]).current_message
    with CaptureQueriesContext(connection) as baseline:
        services.alert_message_fan_out(message_id=few.pk)
    for _ in range(30):
        subscriber(areas=[where])
    many = published(areas=[where], headline="A second one").current_message
    with django_assert_max_num_queries(len(baseline)):
        assert services.alert_message_fan_out(message_id=many.pk) == 33
    assert (
        Delivery.objects.filter(event__idempotency_key__startswith=f"alerts.message.{many.pk}.")
        .exclude(channel="social")
        .count()
        == 33
    )
