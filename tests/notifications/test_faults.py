"""Fault tests of the outbox: a worker killed mid fan-out, the broker down at commit, and
duplicated tasks, all against real processes (a ``celery worker`` subprocess, Redis,
PostgreSQL, an SMTP sink on loopback). Nothing asserts on timing; waits are generous.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import signal
import time
import uuid
from collections import Counter, defaultdict

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from kombu import pools

from civicportal.accounts.models import User
from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.models import Delivery, Event
from civicportal.notifications.services import deliveries_send, deliveries_sweep, event_create
from civicportal.notifications.tasks import deliveries_send_task, deliveries_sweep_task
from tests.notifications.conftest import SmtpSink, Worker, _SinkHandler, wait_until
from tests.notifications.factories import CONTEXT, deliveries_create, users_create
from tests.processes import use_broker

pytestmark = pytest.mark.slow

# The notifications conftest's Worker runs a prefork pool of this many processes.
WORKER_PROCESSES = 2


@contextlib.contextmanager
def _broker_at(url: str):
    """``use_broker`` and then fresh connection pools.

    ``use_broker`` force-closes the app's pool, which is kombu's *shared* pool for the
    broker URL, and leaves it registered; without ``pools.reset()`` the next publish to the
    usual broker from this process fails with "Acquire on closed pool".
    """
    try:
        with use_broker(url):
            yield
    finally:
        pools.reset()


def _fan_out(users: list[User], key: str) -> Event:
    """What a domain service does: the change and its event in one transaction."""
    with transaction.atomic():
        return event_create(
            kind="tests.status_changed",
            recipients=User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk"),
            channels_for=lambda user: ["email"],
            context=CONTEXT,
            idempotency_key=key,
        )


def _kill_process_group(worker: Worker) -> None:
    """SIGKILL the worker's parent and pool processes at once: nothing gets to clean up."""
    os.killpg(os.getpgid(worker.process.pid), signal.SIGKILL)
    worker.process.wait(timeout=30)


def _task_runs(worker: Worker, task_id: str) -> int:
    """How many times the worker reports it finished the task with this id."""
    pattern = re.compile(rf"deliveries_send_task\[{re.escape(task_id)}\] succeeded")
    return len(pattern.findall(worker.log.read_text(errors="replace")))


def _assert_message_ids_match_deliveries(sink: SmtpSink, event: Event) -> None:
    """Every copy at the sink carries its delivery's one Message-ID, whichever try sent it."""
    expected = dict(event.deliveries.values_list("address", "message_id"))
    for received in sink.messages():
        [address] = received.to
        assert received.message_id == expected[address], address


# --- A worker killed in the middle of a fan-out ------------------------------------------


@pytest.mark.timeout(600)  # two worker start-ups and a lease to expire, on a busy machine
def test_worker_killed_mid_fan_out_loses_nothing_and_repeats_only_what_was_in_flight(
    settings, celery_worker
):
    settings.NOTIFICATIONS_CHUNK_SIZE = 100  # 20 chunks for 2,000 recipients
    # A slightly slow relay, so that the kill lands with most of the fan-out still to go.
    sink = SmtpSink(delay=0.003).start()
    try:
        first = celery_worker(EMAIL_URL=sink.url)
        users = users_create(2000)

        event = _fan_out(users, "faults-kill-mid-fan-out")
        wait_until(
            lambda: sink.count() >= 150,
            timeout=120,
            what=f"the first messages at the sink\n{first.output()}",
        )
        _kill_process_group(first)

        received_at_kill = sink.count()
        assert 0 < received_at_kill < 2000
        # The killed processes' claimed rows: their chunks' unsent rest, and the message
        # each was sending. Each claim token is one pool process's chunk.
        in_flight = list(event.deliveries.filter(status="sending").values("address", "claim_token"))
        assert in_flight, "the kill should leave claimed rows behind"
        claims = {row["claim_token"] for row in in_flight}
        assert len(claims) <= WORKER_PROCESSES
        token_of_address = {row["address"]: row["claim_token"] for row in in_flight}
        assert event.deliveries.exclude(status="sent").count() > 0

        # A new worker; the sweeper (beat's job, run here as the task on that worker) finds
        # the dead claims once their lease is older than the worker's staleness setting:
        # short, to keep the test short, yet long enough that the new worker's own leases
        # (renewed every third of it) never look stale on a busy machine.
        second = celery_worker(
            EMAIL_URL=sink.url,
            NOTIFICATIONS_SENDING_STALE_AFTER="20",
            NOTIFICATIONS_PENDING_STALE_AFTER="60",
        )

        last_sweep = [-math.inf]

        def all_sent() -> bool:
            if not event.deliveries.exclude(status="sent").exists():
                return True
            if time.monotonic() - last_sweep[0] >= 2:  # like beat, every few seconds
                deliveries_sweep_task.delay()
                last_sweep[0] = time.monotonic()
            return False

        wait_until(all_sent, timeout=420, what=f"2,000 sent deliveries\n{second.output()}")
    finally:
        sink.stop()

    per_address = Counter(address for r in sink.messages() for address in r.to)
    assert set(per_address) == {u.email for u in users}, "a recipient is missing"
    repeats = {address: count - 1 for address, count in per_address.items() if count > 1}
    # Only a message that was in flight at the kill went out twice: at most one per killed
    # pool process (claim), and never more than twice.
    assert set(repeats.values()) <= {1}
    assert set(repeats) <= set(token_of_address), repeats
    assert all(n <= 1 for n in Counter(token_of_address[a] for a in repeats).values())
    assert len(repeats) <= WORKER_PROCESSES
    # Each copy carries the same Message-ID as the first, so a receiver can drop it.
    by_address = defaultdict(set)
    for received in sink.messages():
        by_address[received.to[0]].add(received.message_id)
    assert all(len(by_address[address]) == 1 for address in repeats)
    _assert_message_ids_match_deliveries(sink, event)
    assert set(event.deliveries.values_list("status", flat=True)) == {"sent"}
    assert event.deliveries.count() == 2000


# --- The broker down while an event is created -------------------------------------------


def test_event_created_while_redis_is_down_is_delivered_once_by_the_sweeper_after(
    settings, celery_worker, smtp_sink, redis_server, caplog
):
    users = users_create(30)
    settings.CELERY_BROKER_URL = redis_server.url  # the worker started below uses it too
    with _broker_at(redis_server.url):
        redis_server.stop()

        with caplog.at_level(logging.ERROR, logger="civicportal.notifications"):
            event = _fan_out(users, "faults-redis-down")  # does not raise: the change commits

        assert "the sweeper will send them" in caplog.text
        event = Event.objects.get(idempotency_key="faults-redis-down")
        rows = event.deliveries.all()
        assert rows.count() == 30
        # Marked as never handed to the broker, so the next sweep takes them at once.
        assert set(rows.values_list("status", "queued_at", "attempts")) == {("pending", None, 0)}

        redis_server.start()  # the same port, empty: the outage lost every queued message
        worker = celery_worker(EMAIL_URL=smtp_sink.url)
        assert smtp_sink.count() == 0
        assert set(rows.values_list("status", flat=True)) == {"pending"}

        summary = deliveries_sweep()

        assert summary.requeued == 30
        wait_until(
            lambda: not event.deliveries.exclude(status="sent").exists(),
            timeout=120,
            what=f"30 sent deliveries after Redis came back\n{worker.output()}",
        )
    per_address = Counter(address for r in smtp_sink.messages() for address in r.to)
    assert per_address == Counter(u.email for u in users)
    _assert_message_ids_match_deliveries(smtp_sink, event)
    assert set(event.deliveries.values_list("attempts", flat=True)) == {1}


# --- Duplicated and retried tasks --------------------------------------------------------


def test_duplicated_and_rerun_tasks_never_send_a_delivery_twice(celery_worker, smtp_sink):
    # A slow relay keeps the first copy busy while the duplicates try their claims.
    smtp_sink.delay = 0.01
    worker = celery_worker(EMAIL_URL=smtp_sink.url)
    users = users_create(40)
    ids = deliveries_create(users)  # pending, not enqueued: only the tasks below send them

    same_id = str(uuid.uuid4())
    task_ids = [
        deliveries_send_task.apply_async(args=(ids,), task_id=same_id).id,
        deliveries_send_task.apply_async(args=(ids,), task_id=same_id).id,  # same task id
        deliveries_send_task.apply_async(args=(ids,)).id,  # the same chunk again
        deliveries_send_task.apply_async(args=(ids[:25],)).id,  # overlapping chunks
        deliveries_send_task.apply_async(args=(ids[15:],)).id,
    ]
    runs = Counter(task_ids)
    wait_until(
        lambda: all(_task_runs(worker, tid) >= n for tid, n in runs.items()),
        timeout=120,
        what=f"every copy of the task to finish\n{worker.output()}",
    )
    rows = Delivery.objects.filter(id__in=ids)
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    assert Counter(a for r in smtp_sink.messages() for a in r.to) == Counter(u.email for u in users)

    # The same task id run once more after everything went out (a late redelivery).
    deliveries_send_task.apply_async(args=(ids,), task_id=same_id)
    wait_until(
        lambda: _task_runs(worker, same_id) >= 3,
        timeout=120,
        what=f"the late copy to finish\n{worker.output()}",
    )
    assert smtp_sink.count() == 40
    assert set(rows.values_list("attempts", flat=True)) == {1}


# --- Refusals from a relay that offers PIPELINING ----------------------------------------


class _PipeliningHandler(_SinkHandler):
    """The sink's handler, offering PIPELINING (RFC 2920) like Postfix or Amazon SES."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # RCPT and DATA already waiting behind MAIL: the client pipelined them.
        self.sink.pipelined += bool(server._reader._buffer)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


class PipeliningSink(SmtpSink):
    pipelined = 0

    def start(self) -> PipeliningSink:
        self._controller = Controller(
            _PipeliningHandler(self), hostname="127.0.0.1", port=self.port
        )
        self._controller.start()
        return self


@pytest.fixture
def pipelining_sink(settings, transactional_db):
    sink = PipeliningSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


def test_a_pipelining_relay_gets_each_message_once_and_its_refusals_are_honoured(
    pipelining_sink,
):
    good = users_create(3, display_name="Jón & <Gunna>", preferred_language="is")
    bad = users_create(1, email="nobody@example.org")[0]
    ids = deliveries_create([*good, bad])
    pipelining_sink.defer_next = 1  # 451 to the first message's data

    with pytest.raises(TransientSendError, match="451"):
        deliveries_send(delivery_ids=ids)
    assert pipelining_sink.count() == 0
    assert set(Delivery.objects.filter(id__in=ids).values_list("status", flat=True)) == {"pending"}

    summary = deliveries_send(delivery_ids=ids)  # the retry

    assert (summary.sent, summary.failed) == (3, 1)
    assert pipelining_sink.pipelined > 0
    received = pipelining_sink.messages()
    assert sorted(r.to[0] for r in received) == sorted(u.email for u in good)
    refused = Delivery.objects.get(recipient=bad)
    assert refused.status == "failed"
    assert "550" in refused.last_error
    message_ids = dict(
        Delivery.objects.filter(id__in=ids, status="sent").values_list("address", "message_id")
    )
    for r in received:
        assert r.message_id == message_ids[r.to[0]]
        text = next(p for p in r.message.walk() if p.get_content_type() == "text/plain")
        html = next(p for p in r.message.walk() if p.get_content_type() == "text/html")
        assert "Góðan dag, Jón & <Gunna>," in text.get_payload(decode=True).decode()
        assert "Jón &amp; &lt;Gunna&gt;" in html.get_payload(decode=True).decode()
        assert r.message["List-Unsubscribe"].strip().startswith("<http")
