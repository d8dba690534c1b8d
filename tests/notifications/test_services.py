"""The outbox services against PostgreSQL, the real broker and an SMTP sink on loopback."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from civicportal.accounts.models import User
from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.models import Delivery, Event, PushSubscription
from civicportal.notifications.rendering import message_id_for
from civicportal.notifications.services import (
    deliveries_claim,
    deliveries_send,
    deliveries_sweep,
    event_create,
)
from tests.notifications.factories import (
    CONTEXT,
    EventFactory,
    deliveries_create,
    users_create,
)


def email_and_inbox(user: User) -> list[str]:
    return ["email", "inbox"]


def email_only(user: User) -> list[str]:
    return ["email"]


def queued_chunks(broker, queue: str = "celery") -> list[list[int]]:
    """The delivery id lists of the send tasks waiting in a queue of the broker."""
    chunks = []
    for raw in reversed(broker.lrange(queue, 0, -1)):  # LPUSH: oldest last
        message = json.loads(raw)
        assert message["headers"]["task"].endswith("deliveries_send_task")
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        chunks.append(args[0])
    return chunks


# --- event_create -----------------------------------------------------------------------


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


# --- Claiming ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_give_each_row_to_exactly_one_claimant():
    ids = deliveries_create(users_create(60))
    claimants = 6
    barrier = threading.Barrier(claimants)
    claimed: list[list[int]] = []
    errors: list[BaseException] = []

    def claim() -> None:
        try:
            barrier.wait(timeout=10)
            _token, rows = deliveries_claim(delivery_ids=ids)
            claimed.append([row.pk for row in rows])
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(claimants)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    everything = [delivery_id for batch in claimed for delivery_id in batch]
    assert sorted(everything) == ids  # every row claimed, and none twice
    assert Delivery.objects.filter(status="sending", attempts=1).count() == 60


@pytest.mark.django_db(transaction=True)
def test_a_row_claimed_by_one_worker_is_not_claimed_by_another():
    [delivery_id] = deliveries_create(users_create(1))

    def claim(barrier: threading.Barrier, wins: list[int]) -> None:
        try:
            barrier.wait(timeout=10)
            wins.append(len(deliveries_claim(delivery_ids=[delivery_id])[1]))
        finally:
            connections.close_all()

    for _ in range(10):
        Delivery.objects.filter(pk=delivery_id).update(status="pending", claim_token=None)
        barrier, wins = threading.Barrier(2), []
        threads = [threading.Thread(target=claim, args=(barrier, wins)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(wins) == [0, 1]


@pytest.mark.django_db
def test_deliveries_send_refuses_to_run_inside_a_transaction():
    with pytest.raises(RuntimeError, match="outside a transaction"):
        deliveries_send(delivery_ids=[1])


# --- Sending (in this process, to the SMTP sink) ----------------------------------------


def _create(users, *, key="send", channels_for=email_only) -> Event:
    """event_create committed (transactional tests); its on-commit enqueue goes to Redis."""
    with transaction.atomic():
        return event_create(
            kind="tests.status_changed",
            recipients=users,
            channels_for=channels_for,
            context=CONTEXT,
            idempotency_key=key,
        )


@pytest.mark.django_db(transaction=True)
def test_deliveries_send_sends_each_email_once_with_its_stable_message_id(
    smtp_settings, smtp_sink, broker
):
    users = users_create(3)
    event = _create(users)
    ids = list(event.deliveries.values_list("id", flat=True))

    summary = deliveries_send(delivery_ids=ids)
    again = deliveries_send(delivery_ids=ids)  # a duplicated task claims nothing

    assert (summary.claimed, summary.sent, again.claimed) == (3, 3, 0)
    received = smtp_sink.messages()
    assert sorted(r.to[0] for r in received) == sorted(u.email for u in users)
    for delivery in event.deliveries.select_related("event"):
        assert delivery.status == "sent"
        assert delivery.attempts == 1
        assert delivery.sent_at is not None
        assert delivery.message_id == message_id_for(delivery)
        assert delivery.message_id.startswith(f"<delivery-{delivery.pk}.")
    assert {r.message_id for r in received} == set(
        event.deliveries.values_list("message_id", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_sending_commits_without_the_flush_wait_and_gives_the_connection_back_as_it_was(
    smtp_settings, smtp_sink, broker, settings
):
    """The sender's statements skip the WAL flush wait; the connection's setting is reset."""
    settings.NOTIFICATIONS_ASYNC_COMMIT = True
    event = _create(users_create(2))
    seen: list[str] = []

    def spy(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("UPDATE"):
            with connections["default"].connection.cursor() as cursor:
                seen.append(cursor.execute("SHOW synchronous_commit").fetchone()[0])
        return execute(sql, params, many, context)

    with connections["default"].execute_wrapper(spy):
        summary = deliveries_send(delivery_ids=list(event.deliveries.values_list("id", flat=True)))

    assert summary.sent == 2
    assert seen and set(seen) == {"off"}  # the claim ran with it
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert set(event.deliveries.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_a_later_batch_of_the_same_event_reuses_the_prepared_message(
    smtp_settings, smtp_sink, broker, monkeypatch
):
    """A fan-out's chunks reach a worker again and again: the message is prepared once."""
    from civicportal.notifications.channels import email as email_channel

    users = users_create(4, preferred_language="en", display_name="Sigrún")
    event = _create(users)
    ids = list(event.deliveries.order_by("id").values_list("id", flat=True))
    builds = []
    build = email_channel.Prepared.build.__func__

    def counting_build(cls, *args, **kwargs):
        builds.append(kwargs["language"])
        return build(cls, *args, **kwargs)

    monkeypatch.setattr(email_channel.Prepared, "build", classmethod(counting_build))

    deliveries_send(delivery_ids=ids[:2])
    deliveries_send(delivery_ids=ids[2:])

    assert builds == ["en"]
    received = smtp_sink.messages()
    assert sorted(r.to[0] for r in received) == sorted(u.email for u in users)
    assert {r.message_id for r in received} == set(
        event.deliveries.values_list("message_id", flat=True)
    )
    for r in received:
        plain = next(p for p in r.message.walk() if p.get_content_type() == "text/plain")
        assert "Sigrún" in plain.get_payload(decode=True).decode()


@pytest.mark.django_db(transaction=True)
def test_email_is_rendered_in_the_recipients_language_as_html_and_text(
    smtp_settings, smtp_sink, broker
):
    english = users_create(1, preferred_language="en", display_name="Anna")[0]
    icelandic = users_create(1, preferred_language="is", display_name="Jón")[0]
    event = _create([english, icelandic])
    deliveries_send(delivery_ids=list(event.deliveries.values_list("id", flat=True)))

    by_address = {r.to[0]: r.message for r in smtp_sink.messages()}

    def parts(message):
        return {
            part.get_content_type(): part.get_payload(decode=True).decode()
            for part in message.walk()
            if not part.is_multipart()
        }

    english_parts = parts(by_address[english.email])
    icelandic_parts = parts(by_address[icelandic.email])
    assert by_address[english.email]["Subject"] == "Your idea More benches has a new status"
    assert "Hello Anna," in english_parts["text/plain"]
    assert "http://127.0.0.1:8000/ideas/1/" in english_parts["text/plain"]
    assert 'href="http://127.0.0.1:8000/ideas/1/"' in english_parts["text/html"]
    assert "Góðan dag, Jón," in icelandic_parts["text/plain"]
    assert "Þú færð þessi skilaboð" in icelandic_parts["text/html"]
    assert by_address[icelandic.email]["Content-Language"] == "is"


@pytest.mark.django_db(transaction=True)
def test_a_deferring_relay_leaves_rows_pending_and_a_retry_sends_each_once(
    smtp_settings, smtp_sink, broker
):
    event = _create(users_create(3))
    ids = list(event.deliveries.values_list("id", flat=True))
    smtp_sink.defer_next = 1  # 451 to the first DATA

    with pytest.raises(TransientSendError, match="451"):
        deliveries_send(delivery_ids=ids)

    assert smtp_sink.count() == 0
    rows = list(event.deliveries.all())
    assert {(row.status, row.attempts) for row in rows} == {("pending", 1)}
    assert all("451" in row.last_error for row in rows)

    summary = deliveries_send(delivery_ids=ids)
    assert summary.sent == 3
    assert smtp_sink.count() == 3
    assert len({r.to for r in smtp_sink.messages()}) == 3
    assert set(event.deliveries.values_list("status", "attempts")) == {("sent", 2)}


@pytest.mark.django_db(transaction=True)
def test_a_refused_recipient_fails_alone(smtp_settings, smtp_sink, broker):
    good = users_create(2)
    bad = users_create(1, email="nobody@example.org")[0]
    event = _create([*good, bad])

    summary = deliveries_send(delivery_ids=list(event.deliveries.values_list("id", flat=True)))

    assert (summary.sent, summary.failed) == (2, 1)
    failed = event.deliveries.get(recipient=bad)
    assert failed.status == "failed"
    assert "550" in failed.last_error
    assert sorted(r.to[0] for r in smtp_sink.messages()) == sorted(u.email for u in good)


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_relay_puts_every_claimed_row_back(smtp_settings, smtp_sink, broker):
    event = _create(users_create(2))
    smtp_sink.stop()

    with pytest.raises(TransientSendError, match="cannot reach the mail relay"):
        deliveries_send(delivery_ids=list(event.deliveries.values_list("id", flat=True)))

    assert set(event.deliveries.values_list("status", "claim_token")) == {("pending", None)}


@pytest.mark.django_db(transaction=True)
def test_inbox_items_appear_and_are_marked_read(broker):
    from civicportal.notifications.selectors import inbox_list, inbox_unread_count
    from civicportal.notifications.services import inbox_mark_read

    reader, other = users_create(2)
    event = _create([reader, other], channels_for=lambda user: ["inbox"])
    assert inbox_unread_count(viewer=reader) == 0  # pending items are not shown yet

    deliveries_send(delivery_ids=list(event.deliveries.values_list("id", flat=True)))

    assert inbox_unread_count(viewer=reader) == 1
    [item] = inbox_list(viewer=reader)
    assert item.event == event
    assert inbox_mark_read(user=reader) == 1
    assert inbox_unread_count(viewer=reader) == 0
    assert inbox_unread_count(viewer=other) == 1


# --- Sweeping ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_sweep_requeues_stale_rows_once_and_leaves_live_ones(
    settings, django_capture_on_commit_callbacks, broker
):
    settings.NOTIFICATIONS_SENDING_STALE_AFTER = 60
    settings.NOTIFICATIONS_PENDING_STALE_AFTER = 60
    now = timezone.now()
    old = now - timedelta(minutes=10)
    users = users_create(5)
    event = EventFactory()
    deliveries_create(users[0:1], event=event, status="sending", claimed_at=old, attempts=1)
    deliveries_create(users[1:2], event=event, status="sending", claimed_at=now, attempts=1)
    deliveries_create(users[2:3], event=event, queued_at=None)
    deliveries_create(users[3:4], event=event, queued_at=old)
    deliveries_create(users[4:5], event=event, queued_at=now)
    by_user = dict(event.deliveries.values_list("recipient_id", "id"))
    stuck_sending, live_sending, unqueued, long_queued, just_queued = (by_user[u.pk] for u in users)

    with django_capture_on_commit_callbacks(execute=True):
        first = deliveries_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        second = deliveries_sweep()

    assert (first.reset, first.requeued) == (1, 3)
    assert (second.reset, second.requeued) == (0, 0)  # safe to run twice
    assert queued_chunks(broker) == [sorted([stuck_sending, unqueued, long_queued])]
    assert Delivery.objects.get(pk=live_sending).status == "sending"
    assert Delivery.objects.get(pk=just_queued).queued_at == now
    reset = Delivery.objects.get(pk=stuck_sending)
    assert (reset.status, reset.claim_token) == ("pending", None)
    assert "expired" in reset.last_error


def test_worker_preload_builds_every_configured_channel_and_leaves_a_broken_one(settings):
    """A worker loads the backends before it forks (tasks.worker_preload); one that cannot
    be built is left for its sends to report, and does not stop the worker."""
    from civicportal.notifications.channels import channels_preload
    from civicportal.notifications.rendering import rendering_preload

    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "broken": "django.utils.timezone.now",
    }
    built = channels_preload()
    assert "broken" not in built
    assert set(built) == set(settings.NOTIFICATIONS_CHANNELS) - {"broken"}
    rendering_preload()  # every topic's templates and every language load without error
