"""Delivery end to end with a real Celery worker, an SMTP sink and a push endpoint on
loopback: every subscriber gets exactly one message per alert message and channel, and a
worker killed mid fan-out loses nobody (repeats only of what was in flight, with the same
Message-ID or Topic). Nothing asserts on timing; waits are generous."""

from __future__ import annotations

import math
import os
import signal
import time
from collections import Counter, defaultdict

import pytest
from django.contrib.auth.hashers import make_password
from django.db import transaction

from alerts import services
from alerts.models import AlertMessage, AlertSubscription
from alerts.tasks import alerts_fan_outs_sweep_task
from civicportal.accounts.models import User
from civicportal.notifications.channels.push import PushChannel, push_topic
from civicportal.notifications.management.commands.vapid_keys import vapid_keys_generate
from civicportal.notifications.models import Delivery, PushSubscription
from civicportal.notifications.tasks import deliveries_sweep_task
from tests.alerts.factories import approver, author, content
from tests.notifications.conftest import SmtpSink, wait_until
from tests.notifications.test_push import Browser

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(900),  # 10,000 real messages on a shared 2-core machine
]

SUBSCRIBERS = 5000
# The two-message test: enough for several fan-out batches and delivery chunks per message
# and channel, with the worker's batches made small to match.
TWO_MESSAGES_SUBSCRIBERS = 2000
SMALL_BATCHES = {"ALERTS_FANOUT_BATCH": "500", "NOTIFICATIONS_CHUNK_SIZE": "100"}
WORKER_PROCESSES = 2  # the notifications conftest's Worker


@pytest.fixture
def push_settings(settings):
    public, private = vapid_keys_generate()
    settings.NOTIFICATIONS_VAPID_PUBLIC_KEY = public
    settings.NOTIFICATIONS_VAPID_PRIVATE_KEY = private
    settings.NOTIFICATIONS_PUSH_ALLOW_HTTP = True
    settings.NOTIFICATIONS_PUSH_HOSTS = ["127.0.0.1"]  # the push stand-in, on loopback
    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "push": "civicportal.notifications.channels.push.PushChannel",
    }
    return {
        "NOTIFICATIONS_VAPID_PUBLIC_KEY": public,
        "NOTIFICATIONS_VAPID_PRIVATE_KEY": private,
        "NOTIFICATIONS_PUSH_ALLOW_HTTP": "1",
        "NOTIFICATIONS_PUSH_HOSTS": "127.0.0.1",
        "NOTIFICATIONS_RATES": "email=5000,push=5000,sms=10,social=100",
    }


def subscribers_create(count: int, push_endpoint: str) -> tuple[list[User], list[User]]:
    """Half by email, half by web push (one browser each), all for the whole council."""
    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"sub{n}@example.org", display_name=f"Sub {n}", password=password)
        for n in range(count)
    )
    by_email, by_push = users[: count // 2], users[count // 2 :]
    AlertSubscription.objects.bulk_create(
        [AlertSubscription(user=u, by_email=True, by_push=False) for u in by_email]
        + [AlertSubscription(user=u, by_email=False, by_push=True) for u in by_push]
    )
    browser = Browser()
    PushSubscription.objects.bulk_create(
        PushSubscription(
            user=u, endpoint=f"{push_endpoint}/push/{u.pk}", p256dh=browser.p256dh,
            auth=browser.p256dh[:22],
        )
        for u in by_push
    )  # fmt: skip
    return by_email, by_push


def publish(*, by, second, **fields) -> AlertMessage:
    with transaction.atomic():
        alert = services.alert_draft_create(actor=by, content=content(**fields))
        message = alert.messages.get()
        services.alert_submit_for_approval(actor=by, message=message)
        return services.alert_approve(
            actor=second, message=message, version=services.message_version(message)
        )


def push_paths(sink) -> Counter:
    return Counter(request.path for request in sink.received())


def test_every_subscriber_gets_exactly_one_message_per_alert_message_and_channel(
    celery_worker, http_sink, push_settings
):
    sink = SmtpSink().start()
    try:
        worker = celery_worker(EMAIL_URL=sink.url, **push_settings, **SMALL_BATCHES)
        by_email, by_push = subscribers_create(TWO_MESSAGES_SUBSCRIBERS, http_sink.url)
        by, second = author(), approver()
        first = publish(by=by, second=second)
        update = services.alert_update(
            actor=by, alert=first.alert, content=content(headline="Worse")
        )
        services.alert_approve(
            actor=second, message=update, version=services.message_version(update)
        )
        messages = [first, update]
        wait_until(
            lambda: (
                Delivery.objects.filter(status="sent").count() == 2 * TWO_MESSAGES_SUBSCRIBERS + 2
            ),
            timeout=600,
            what=f"{2 * TWO_MESSAGES_SUBSCRIBERS} sent deliveries\n{worker.output()}",
        )
    finally:
        sink.stop()
    per_address = Counter(address for received in sink.messages() for address in received.to)
    assert per_address == Counter({u.email: 2 for u in by_email})
    assert push_paths(http_sink) == Counter({f"/push/{u.pk}": 2 for u in by_push})
    for message in messages:
        message.refresh_from_db()
        assert message.fanout_completed_at is not None
    # The social accounts got one post per message; nothing failed.
    assert Delivery.objects.filter(channel="social", status="sent").count() == 2
    assert not Delivery.objects.exclude(status="sent").exists()


def test_worker_killed_mid_fan_out_loses_nobody_and_repeats_only_what_was_in_flight(
    settings, celery_worker, http_sink, push_settings
):
    sink = SmtpSink(delay=0.002).start()
    try:
        first = celery_worker(EMAIL_URL=sink.url, **push_settings, **SMALL_BATCHES)
        by_email, by_push = subscribers_create(SUBSCRIBERS, http_sink.url)
        message = publish(by=author(), second=approver())
        wait_until(
            lambda: sink.count() + len(http_sink.received()) >= 200,
            timeout=180,
            what=f"the first deliveries\n{first.output()}",
        )
        os.killpg(os.getpgid(first.process.pid), signal.SIGKILL)
        first.process.wait(timeout=30)

        received_at_kill = sink.count() + len(http_sink.received())
        assert received_at_kill < 2 * SUBSCRIBERS // 2 + SUBSCRIBERS  # mid-way, not done
        in_flight = set(
            Delivery.objects.filter(status="sending").values_list("recipient_id", flat=True)
        )
        second = celery_worker(
            EMAIL_URL=sink.url,
            **push_settings,
            **SMALL_BATCHES,
            NOTIFICATIONS_SENDING_STALE_AFTER="5",
            NOTIFICATIONS_PENDING_STALE_AFTER="20",
            ALERTS_FANOUT_STALE_AFTER="5",
        )
        last_sweep = [-math.inf]

        def all_sent() -> bool:
            message.refresh_from_db()
            done = (
                message.fanout_completed_at is not None
                and Delivery.objects.filter(status="sent", recipient__isnull=False).count()
                == SUBSCRIBERS
            )
            if not done and time.monotonic() - last_sweep[0] >= 2:  # like beat
                deliveries_sweep_task.delay()
                alerts_fan_outs_sweep_task.delay()
                last_sweep[0] = time.monotonic()
            return done

        wait_until(all_sent, timeout=600, what=f"{SUBSCRIBERS} sent\n{second.output()}")
    finally:
        sink.stop()

    # Nobody missing.
    per_address = Counter(address for received in sink.messages() for address in received.to)
    assert set(per_address) == {u.email for u in by_email}
    per_path = push_paths(http_sink)
    assert set(per_path) == {f"/push/{u.pk}" for u in by_push}
    # Repeats: at most one extra copy, only of rows claimed at the kill: per killed pool
    # process, the email in flight, the pushes in flight (up to
    # NOTIFICATIONS_PUSH_CONCURRENCY of them at once) and the push results it was still
    # holding to write at once (PushChannel.results_held).
    email_of = {u.email: u.pk for u in by_email}
    repeated = {email_of[a] for a, n in per_address.items() if n > 1}
    repeated |= {int(p.rsplit("/", 1)[1]) for p, n in per_path.items() if n > 1}
    assert max([*per_address.values(), *per_path.values()]) <= 2
    assert repeated <= in_flight
    per_process = 1 + settings.NOTIFICATIONS_PUSH_CONCURRENCY + PushChannel.results_held
    assert len(repeated) <= WORKER_PROCESSES * per_process
    # Every copy carries its delivery's one Message-ID / Topic.
    rows = Delivery.objects.filter(recipient__isnull=False).select_related("event")
    message_ids = {row.address: row.message_id for row in rows if row.channel == "email"}
    topics = {f"/push/{row.recipient_id}": push_topic(row) for row in rows if row.channel == "push"}
    seen = defaultdict(set)
    for received in sink.messages():
        seen[received.to[0]].add(received.message_id)
        assert received.message_id == message_ids[received.to[0]]
    for request in http_sink.received():
        assert request.headers["topic"] == topics[request.path]
    assert all(len(ids) == 1 for ids in seen.values())
    assert Delivery.objects.filter(recipient__isnull=False).count() == SUBSCRIBERS
