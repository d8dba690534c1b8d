"""Web push with several requests in flight per worker (NOTIFICATIONS_PUSH_CONCURRENCY):
the requests really overlap, one at a time stays one at a time, and a push service that
says "later" in the middle of a batch loses nothing and delivers nothing twice."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.services import deliveries_send
from tests.notifications.factories import users_create
from tests.notifications.servers import Answer

# ``vapid``: the push tests' fixture (VAPID keys, the loopback push service allowed).
from tests.notifications.test_push import Browser, _ids, _push_event, vapid  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("vapid")]


def _subscribed(count: int, sink) -> list:
    users = users_create(count)
    for user in users:
        Browser().subscribe(user, f"{sink.url}/push/{user.pk}")
    return users


def _delivered_paths(sink) -> Counter:
    return Counter(request.path for request in sink.received())


def test_requests_overlap_up_to_the_configured_number(settings, http_sink):
    """Each answer waits until four requests are in at once: sent one after the other,
    the first would wait in vain and answer 503."""
    settings.NOTIFICATIONS_PUSH_CONCURRENCY = 4
    together = threading.Barrier(4, timeout=10)

    def answer(_request):
        try:
            together.wait()
        except threading.BrokenBarrierError:
            return Answer(503)
        return Answer(201)

    http_sink.responder = answer
    users = _subscribed(8, http_sink)
    event = _push_event(users, key="overlap")

    summary = deliveries_send(delivery_ids=_ids(event))

    assert (summary.sent, summary.failed) == (8, 0)
    assert _delivered_paths(http_sink) == Counter(f"/push/{user.pk}" for user in users)
    assert set(event.deliveries.values_list("status", flat=True)) == {"sent"}


def test_one_at_a_time_never_overlaps(settings, http_sink):
    settings.NOTIFICATIONS_PUSH_CONCURRENCY = 1
    lock = threading.Lock()
    in_flight = {"now": 0, "most": 0}

    def answer(_request):
        with lock:
            in_flight["now"] += 1
            in_flight["most"] = max(in_flight["most"], in_flight["now"])
        time.sleep(0.02)  # long enough for a second request to arrive if one were sent
        with lock:
            in_flight["now"] -= 1
        return Answer(201)

    http_sink.responder = answer
    users = _subscribed(5, http_sink)
    event = _push_event(users, key="one-at-a-time")

    assert deliveries_send(delivery_ids=_ids(event)).sent == 5
    assert in_flight["most"] == 1


def test_a_busy_answer_mid_batch_loses_nothing_and_repeats_nothing(settings, http_sink):
    settings.NOTIFICATIONS_PUSH_CONCURRENCY = 3
    users = _subscribed(9, http_sink)
    busy_path = f"/push/{users[4].pk}"
    lock = threading.Lock()
    refused = []

    def answer(request):
        with lock:
            if request.path == busy_path and not refused:
                refused.append(request.path)
                return Answer(503, headers=(("Retry-After", "1"),))
        return Answer(201)

    http_sink.responder = answer
    event = _push_event(users, key="busy-mid-batch")

    with pytest.raises(TransientSendError, match="503"):
        deliveries_send(delivery_ids=_ids(event))

    # Every request that was answered 201 is recorded as sent; every other row is pending
    # again (the task's retry takes it), none is failed.
    accepted = _delivered_paths(http_sink) - Counter(refused)
    rows = {row.recipient_id: row.status for row in event.deliveries.all()}
    assert {f"/push/{pk}" for pk, status in rows.items() if status == "sent"} == set(accepted)
    assert {status for pk, status in rows.items() if f"/push/{pk}" not in accepted} == {"pending"}
    assert rows[users[4].pk] == "pending"
    assert len(accepted) < len(users)  # the batch stopped: the rest were not sent

    summary = deliveries_send(delivery_ids=_ids(event))  # the retry

    assert summary.sent == len(users) - len(accepted)
    assert set(event.deliveries.values_list("status", flat=True)) == {"sent"}
    answered = _delivered_paths(http_sink) - Counter(refused)
    assert answered == Counter(f"/push/{user.pk}" for user in users)  # each exactly once
