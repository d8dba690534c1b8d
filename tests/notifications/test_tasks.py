"""End to end: a real Celery worker on the real Redis sends to an SMTP sink on loopback."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from civicportal.accounts.models import User
from civicportal.notifications.models import Delivery
from civicportal.notifications.services import deliveries_sweep, event_create
from tests.notifications.conftest import SmtpSink, free_port, wait_until
from tests.notifications.factories import CONTEXT, deliveries_create, users_create

pytestmark = pytest.mark.slow


def _fan_out(users: list[User], key: str):
    with transaction.atomic():
        return event_create(
            kind="tests.status_changed",
            recipients=User.objects.filter(pk__in=[u.pk for u in users]),
            channels_for=lambda user: ["email"],
            context=CONTEXT,
            idempotency_key=key,
        )


def _assert_each_received_once(sink: SmtpSink, users: list[User], event) -> None:
    received = sink.messages()
    per_address = Counter(address for r in received for address in r.to)
    assert per_address == Counter(u.email for u in users)
    assert {r.message_id for r in received} == set(
        event.deliveries.values_list("message_id", flat=True)
    )


def test_worker_sends_exactly_one_email_to_each_of_200_recipients(
    settings, celery_worker, smtp_sink
):
    settings.NOTIFICATIONS_CHUNK_SIZE = 50  # four tasks for the worker's two processes
    worker = celery_worker(EMAIL_URL=smtp_sink.url)
    users = users_create(200)

    event = _fan_out(users, "fan-out-200")

    wait_until(
        lambda: event.deliveries.filter(status="sent").count() == 200,
        timeout=90,
        what=f"200 sent deliveries\n{worker.output()}",
    )
    assert smtp_sink.count() == 200
    _assert_each_received_once(smtp_sink, users, event)
    assert set(event.deliveries.values_list("attempts", flat=True)) == {1}


def test_sweeper_requeues_a_delivery_stuck_in_sending(celery_worker, smtp_sink):
    worker = celery_worker(EMAIL_URL=smtp_sink.url)
    user = users_create(1)[0]
    # A worker claimed it an hour ago and died before reporting.
    [delivery_id] = deliveries_create(
        [user],
        status="sending",
        claimed_at=timezone.now() - timedelta(hours=1),
        claim_token=uuid.uuid4(),
        attempts=1,
    )

    summary = deliveries_sweep()

    assert (summary.reset, summary.requeued) == (1, 1)
    wait_until(
        lambda: Delivery.objects.get(pk=delivery_id).status == "sent",
        timeout=60,
        what=f"the swept delivery to be sent\n{worker.output()}",
    )
    assert [r.to for r in smtp_sink.messages()] == [(user.email,)]
    assert Delivery.objects.get(pk=delivery_id).attempts == 2


@pytest.mark.parametrize("recovery", ["task retry", "sweeper"])
def test_mail_relay_down_keeps_deliveries_pending_until_it_is_back(
    settings, celery_worker, recovery
):
    sink = SmtpSink(port=free_port())  # not listening yet: connections are refused
    retries = {"task retry": {"NOTIFICATIONS_RETRY_BACKOFF_MAX": "2"}}.get(
        recovery, {"NOTIFICATIONS_MAX_RETRIES": "0"}
    )
    worker = celery_worker(EMAIL_URL=sink.url, **retries)
    users = users_create(20)

    event = _fan_out(users, f"relay-down-{recovery}")

    wait_until(
        lambda: event.deliveries.filter(status="pending", attempts__gte=1).count() == 20,
        timeout=60,
        what=f"the first, refused attempt\n{worker.output()}",
    )
    assert all(
        "refused" in error.lower()
        for error in event.deliveries.values_list("last_error", flat=True)
    )
    sink.start()
    try:
        if recovery == "sweeper":
            settings.NOTIFICATIONS_PENDING_STALE_AFTER = 0
            assert deliveries_sweep().requeued == 20
        wait_until(
            lambda: event.deliveries.filter(status="sent").count() == 20,
            timeout=60,
            what=f"20 sent deliveries after the relay came back\n{worker.output()}",
        )
        _assert_each_received_once(sink, users, event)
    finally:
        sink.stop()


def _niceness(pid: int) -> int:
    """A process's niceness, from /proc (field 19 of stat, after the command's parentheses)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


@pytest.mark.parametrize(
    ("queues", "expected"),
    [(["celery"], 10), (["urgent", "urgent.email", "urgent.push"], 0), (None, 0)],
    ids=["background-only", "alerts", "every-queue"],
)
def test_a_worker_serving_no_alert_queue_gives_alert_workers_the_cpu_first(
    settings, tmp_path, queues, expected
):
    from tests.conftest import _worker_env
    from tests.processes import CeleryWorker

    assert settings.WORKER_BACKGROUND_NICENESS == 10
    worker = CeleryWorker(tmp_path, _worker_env(), queues=queues).start()
    try:
        children = Path(f"/proc/{worker.process.pid}/task/{worker.process.pid}/children")
        pids = [worker.process.pid, *map(int, children.read_text().split())]
        assert len(pids) == 2  # the main process and its one pool process
        assert [_niceness(pid) - os.nice(0) for pid in pids] == [expected, expected]
    finally:
        worker.stop()


def test_a_background_worker_holds_ordinary_mail_back_while_an_alert_is_being_sent(
    settings, transactional_db, broker, smtp_sink, tmp_path
):
    """Alerts first: a worker serving only the default queue waits out an alert's sending
    (marked by every urgent chunk), then sends its backlog as soon as the mark lapses."""
    import time

    from django.core.cache import cache

    from civicportal.notifications.services import sending
    from tests.notifications.conftest import worker_env
    from tests.processes import CeleryWorker

    env = worker_env(settings, EMAIL_URL=smtp_sink.url)
    worker = CeleryWorker(tmp_path, env, queues=["celery"]).start()
    try:
        users = users_create(5)
        sending.alert_sending_mark()  # as an alert's chunk does, in any worker
        event = _fan_out(users, "held-back-by-an-alert")
        time.sleep(4)
        assert smtp_sink.count() == 0
        assert set(event.deliveries.values_list("status", flat=True)) == {"pending"}

        cache.delete(sending._ALERT_MARK_KEY)  # the alert's last chunk is done
        wait_until(
            lambda: event.deliveries.filter(status="sent").count() == 5,
            timeout=60,
            what=f"the held-back emails sent\n{worker.output()}",
        )
        _assert_each_received_once(smtp_sink, users, event)
    finally:
        worker.stop()
