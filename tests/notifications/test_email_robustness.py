"""Email against a relay that misbehaves: the connection dropped mid-batch, a 4xx and a
5xx for two recipients of one batch, replies that come late (within the timeout and past
it). Each on every path: pipelined (the fast path), plain (smtplib's sendmail) and the
ordinary way (Django's backend).

After each try and each retry: nothing lost (every delivery is sent, failed with a
reason, or pending for a retry) and nothing sent twice (each Message-ID at most once at
the relay, and exactly the sent rows' Message-IDs there).
"""

from __future__ import annotations

import time

import pytest

from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.models import Delivery
from civicportal.notifications.rendering import message_id_for
from civicportal.notifications.services import deliveries_send
from tests.notifications.factories import deliveries_create, users_create
from tests.notifications.scripted_smtp import (
    ORDINARY_BACKEND,
    ScriptedRelay,
    relays_started,
    use_relay,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PATHS = ["pipelined", "plain", "ordinary"]


@pytest.fixture
def relay():
    yield from relays_started()


@pytest.fixture(params=PATHS)
def sink(request, settings, relay) -> ScriptedRelay:
    """A relay that offers PIPELINING, and this process sending to it on one path."""
    started = relay()
    use_relay(settings, started, pipelining=request.param == "pipelined")
    if request.param == "ordinary":
        settings.EMAIL_BACKEND = ORDINARY_BACKEND
    return started


def statuses(ids: list[int]) -> list[str]:
    return list(Delivery.objects.filter(id__in=ids).order_by("id").values_list("status", flat=True))


def assert_nothing_lost_nothing_twice(sink: ScriptedRelay, ids: list[int]) -> None:
    rows = list(Delivery.objects.filter(id__in=ids).select_related("event"))
    assert len(rows) == len(ids)
    for row in rows:
        assert row.status in {"sent", "failed", "pending"}, (row.pk, row.status)
        assert row.claim_token is None
        if row.status == "failed":
            assert row.last_error
    at_relay = sink.message_ids()
    assert all(count == 1 for count in at_relay.values()), at_relay
    sent = {row.message_id for row in rows if row.status == "sent"}
    assert sent == {message_id_for(row) for row in rows if row.status == "sent"}
    assert set(at_relay) == sent


# --- The connection dropped mid-batch ------------------------------------------------------


@pytest.mark.parametrize("stage", ["MAIL", "RCPT", "DATA"])
def test_a_connection_dropped_mid_batch_puts_the_rest_back_and_a_retry_sends_each_once(sink, stage):
    ids = deliveries_create(users_create(6))
    sink.misbehave(stage, 3, drop=True)  # at the third message, before it is accepted

    with pytest.raises(TransientSendError, match="connection"):
        deliveries_send(delivery_ids=ids)

    assert statuses(ids) == ["sent"] * 2 + ["pending"] * 4
    assert len(sink.messages()) == 2
    assert_nothing_lost_nothing_twice(sink, ids)

    summary = deliveries_send(delivery_ids=ids)

    assert (summary.claimed, summary.sent) == (4, 4)
    assert statuses(ids) == ["sent"] * 6
    assert len(sink.messages()) == 6
    assert_nothing_lost_nothing_twice(sink, ids)


# --- 4xx for one recipient, 5xx for another ----------------------------------------------


def test_a_deferred_and_a_refused_recipient_in_one_batch(sink):
    users = users_create(6)
    ids = deliveries_create(users)
    deferred, refused = users[1], users[3]
    sink.answer_rcpt(deferred.email, "450 4.2.1 Mailbox busy, try again later")
    sink.answer_rcpt(refused.email, "550 5.1.1 No such user here")

    with pytest.raises(TransientSendError, match="deferred 1 recipient"):
        deliveries_send(delivery_ids=ids)

    # The others went out; the refused one failed with the relay's reason; the deferred one
    # waits for the retry.
    assert statuses(ids) == ["sent", "pending", "sent", "failed", "sent", "sent"]
    rows = {row.recipient_id: row for row in Delivery.objects.filter(id__in=ids)}
    assert "450" in rows[deferred.pk].last_error
    assert "550" in rows[refused.pk].last_error
    assert sorted(m.rcpt_tos[0] for m in sink.messages()) == sorted(
        u.email for u in users if u not in (deferred, refused)
    )
    assert_nothing_lost_nothing_twice(sink, ids)

    sink.answer_rcpt(deferred.email, None)  # the mailbox is free again
    summary = deliveries_send(delivery_ids=ids)

    assert (summary.claimed, summary.sent, summary.failed) == (1, 1, 0)
    assert statuses(ids) == ["sent", "sent", "sent", "failed", "sent", "sent"]
    assert len(sink.messages()) == 5
    assert_nothing_lost_nothing_twice(sink, ids)


def test_a_relay_deferring_recipient_after_recipient_stops_the_batch(sink):
    users = users_create(8)
    ids = deliveries_create(users)
    for user in users:
        sink.answer_rcpt(user.email, "451 4.3.0 Temporary local problem")

    with pytest.raises(TransientSendError, match="in a row"):
        deliveries_send(delivery_ids=ids)

    assert statuses(ids) == ["pending"] * 8
    assert sink.script.seen["RCPT"] == 5  # it stopped asking after five
    assert_nothing_lost_nothing_twice(sink, ids)


# --- A slow relay ----------------------------------------------------------------------------


def test_a_slow_relay_within_the_timeout_gets_every_message_once(settings, sink):
    settings.EMAIL_TIMEOUT = 3
    sink.slow(EHLO=0.2, MAIL=0.2, RCPT=0.2, DATA=0.2)
    ids = deliveries_create(users_create(3))

    summary = deliveries_send(delivery_ids=ids)

    assert summary.sent == 3
    assert statuses(ids) == ["sent"] * 3
    assert len(sink.messages()) == 3
    assert_nothing_lost_nothing_twice(sink, ids)


@pytest.mark.parametrize("stage", ["RCPT", "DATA"])
def test_a_reply_later_than_the_timeout_puts_the_rest_back_and_a_retry_sends_each_once(
    settings, sink, stage
):
    settings.EMAIL_TIMEOUT = 0.5
    ids = deliveries_create(users_create(4))
    sink.misbehave(stage, 2, delay=1.5)  # the second message's reply comes too late

    with pytest.raises(TransientSendError):
        deliveries_send(delivery_ids=ids)

    assert statuses(ids) == ["sent"] + ["pending"] * 3
    time.sleep(1.5)  # the relay's late reply would have come by now
    assert len(sink.messages()) == 1  # the client had gone: the relay kept nothing
    assert_nothing_lost_nothing_twice(sink, ids)

    summary = deliveries_send(delivery_ids=ids)

    assert summary.sent == 3
    assert statuses(ids) == ["sent"] * 4
    assert len(sink.messages()) == 4
    assert_nothing_lost_nothing_twice(sink, ids)


def test_a_relay_that_greets_later_than_the_timeout_is_not_reached(settings, sink):
    settings.EMAIL_TIMEOUT = 0.5
    ids = deliveries_create(users_create(3))
    sink.misbehave("EHLO", 1, delay=1.5)

    with pytest.raises(TransientSendError, match="mail relay"):
        deliveries_send(delivery_ids=ids)

    assert statuses(ids) == ["pending"] * 3
    assert sink.messages() == []

    assert deliveries_send(delivery_ids=ids).sent == 3
    assert_nothing_lost_nothing_twice(sink, ids)
