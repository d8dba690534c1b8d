"""The outbox services against PostgreSQL, the real broker and an SMTP sink on loopback:
sending."""

from __future__ import annotations

import pytest
from django.db import connections, transaction

from civicportal.notifications.channels import SendResult, TransientSendError
from civicportal.notifications.models import Delivery, Event
from civicportal.notifications.rendering import message_id_for
from civicportal.notifications.services import deliveries_send, event_create, sending
from tests.notifications.factories import CONTEXT, users_create
from tests.notifications.helpers import email_only


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


class _WatchingChannel:
    """A channel whose far side accepts everything; before each result it notes which of the
    batch's rows the database already shows as sent (what a crash would not repeat)."""

    results_held = 1
    seen: list[int] = []

    def address_for(self, user):
        return user.email

    def send_batch(self, deliveries, *, pacer):
        deliveries = list(deliveries)
        ids = [d.pk for d in deliveries]
        for delivery in deliveries:
            type(self).seen.append(Delivery.objects.filter(id__in=ids, status="sent").count())
            yield SendResult.sent(delivery.pk, f"<watch-{delivery.pk}@example.org>")


class _HoldingChannel(_WatchingChannel):
    results_held = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("backend", "flush_after", "expected_seen"),
    [
        # Each result written before the next message goes: a crash repeats one at most.
        (_WatchingChannel, 3600, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        # Four held, then written in one statement; the rest written at the batch's end.
        (_HoldingChannel, 3600, [0, 0, 0, 0, 4, 4, 4, 4, 8, 8]),
        # ... but none waits longer than the marker's time limit (here: none at all).
        (_HoldingChannel, 0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ],
    ids=["one-by-one", "four-held", "time-limit"],
)
def test_sent_results_are_written_as_the_channel_allows_and_all_by_the_batch_end(
    settings, monkeypatch, broker, backend, flush_after, expected_seen
):
    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "email": f"{__name__}.{backend.__name__}",
    }
    monkeypatch.setattr(sending._SentMarker, "FLUSH_AFTER", flush_after)
    backend.seen = []
    event = _create(users_create(10), key=f"held-{backend.__name__}")
    ids = list(event.deliveries.order_by("id").values_list("id", flat=True))

    summary = deliveries_send(delivery_ids=ids)

    assert backend.seen == expected_seen
    assert summary.sent == 10
    rows = event.deliveries.order_by("id")
    assert [row.message_id for row in rows] == [f"<watch-{pk}@example.org>" for pk in ids]
    assert all(row.status == "sent" and row.sent_at is not None for row in rows)
