"""Benchmark: one alert approved for N subscribers spread over email, web push and SMS, while
a backlog of 100,000 non-urgent emails is being sent, through the real two-person services,
the fan-out task, the notification engine and the worker layout of docker-compose.yml.

    .venv/bin/python bench/alert_fanout.py [--recipients 100000] [--backlog 100000]

It creates a fresh PostgreSQL database (``--database``, dropped first), migrates it, bulk-
creates N residents with alert subscriptions (60 % by email, 30 % by web push with one
browser each, 10 % by SMS with a verified number), starts an SMTP sink, an HTTP push
endpoint and an HTTP SMS gateway on loopback, each in its own process, and the worker
services of docker-compose.yml with their queues and default concurrency (``worker``,
``worker-alerts``, ``worker-sms``). The SMS gateway is paced at a realistic 100 texts/s
(NOTIFICATIONS_RATES, shared by every worker). Then it queues a notice by email to
``--backlog`` residents (non-urgent: the default queue) and, once the backlog is being
sent, an author drafts and submits an alert and a second person approves it. It measures
from the approval's commit to the first and the last alert message at each sink (and to
the post on the council's social account, recorded by the recording backend), checks
that every subscriber got exactly one message per channel, and reports the busiest second
of the SMS gateway (pacing) and the workers' peak memory.

Targets (issue 17): every first delivery under 2 s, last push under 30 s, last email under
90 s, on a 2-core machine; exactly one delivery per subscriber and channel. The last line is
``RESULT first_email_s=.. first_push_s=.. first_sms_s=.. first_social_s=.. last_email_s=..
last_push_s=.. last_sms_s=.. sms_peak_per_s=.. duplicates=.. backlog=..``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from support import (  # noqa: E402
    SmtpSink,
    WorkerWatch,
    database_create,
    database_migrate,
    environment_use,
    free_port,
    loadavg,
    worker_settings,
    worker_start,
    worker_stop,
    worker_wait_ready,
)

HEADLINE = "River flooding in Riverside"

# --- The push service and SMS gateway stand-ins, and the workers of docker-compose.yml -----


def _http_main(port: int, status: int, count, first, last, peak, ready) -> None:
    """A push service or SMS gateway on loopback: answers ``status`` to every POST on a
    keep-alive connection, stamps the first and the last request and keeps the most
    requests seen in one calendar second. Plain asyncio streams, as lean as the SMTP sink
    (bench/support.py says why)."""
    import asyncio

    body = b'{"id": "ok"}' if status == 200 else b""
    reason = {200: b"OK", 201: b"Created"}.get(status, b"Status")
    answer = b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\n\r\n" % (status, reason, len(body)) + body
    second = {"at": 0, "count": 0}

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _sep, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                now = time.time()
                if count.value == 0:
                    first.value = now
                count.value += 1
                last.value = now
                if int(now) != second["at"]:
                    second["at"], second["count"] = int(now), 0
                second["count"] += 1
                peak.value = max(peak.value, second["count"])
                writer.write(answer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(connection, "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


class HttpSink:
    """A push endpoint (answers 201) or an SMS gateway (200 with an id) in its own process."""

    def __init__(self, status: int) -> None:
        self.port = free_port()
        ctx = multiprocessing.get_context("spawn")
        self.count = ctx.RawValue("q", 0)
        self.first = ctx.RawValue("d", 0.0)
        self.last = ctx.RawValue("d", 0.0)
        self.peak = ctx.RawValue("q", 0)
        ready = ctx.Event()
        self.process = ctx.Process(
            target=_http_main,
            args=(self.port, status, self.count, self.first, self.last, self.peak, ready),
            daemon=True,
        )
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("the HTTP sink did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


def compose_workers() -> dict[str, list[str]]:
    """The worker services of docker-compose.yml: their ``celery`` arguments, with each
    ``${VARIABLE:-default}`` replaced by its default (the layout a council runs)."""
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {}
    for name, service in services.items():
        command = service.get("command")
        if isinstance(command, list) and command[:1] == ["celery"] and "worker" in command:
            workers[name] = [re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", arg) for arg in command[1:]]
    if not workers:
        raise SystemExit("docker-compose.yml defines no Celery worker")
    return workers


def workers_start(log_dir: Path) -> dict[str, tuple[subprocess.Popen, Path]]:
    started = {}
    for name, args in compose_workers().items():
        log = log_dir / f"bench-alerts-{name}.log"
        started[name] = (worker_start(args, name=f"bench-{name}", log=log), log)
    for process, log in started.values():
        worker_wait_ready(process, log)
    return started


def _timeline(deliveries, *, since: float) -> dict[str, dict[str, list[float]]]:
    """Per channel, seconds from ``since`` at which a quarter, half, three quarters and all
    of its deliveries were written by the fan-out and marked sent: where the time went."""
    quarters = (0.25, 0.5, 0.75, 1.0)
    found: dict[str, dict[str, list[float]]] = {}
    for channel in ("email", "push", "sms"):
        rows = deliveries.filter(channel=channel)
        found[channel] = {}
        for field in ("created_at", "sent_at"):
            stamps = sorted(
                stamp.timestamp() - since
                for stamp in rows.exclude(**{f"{field}__isnull": True}).values_list(
                    field, flat=True
                )
            )
            found[channel][field] = [
                stamps[max(0, round(q * len(stamps)) - 1)] if stamps else float("nan")
                for q in quarters
            ]
    return found


def far_sides_start(
    args: argparse.Namespace, database_url: str, *, match: bytes
) -> tuple[SmtpSink, HttpSink, HttpSink, tuple[str, str]]:
    """The stand-ins for the mail relay, the push service and the SMS gateway, started, and
    this process's environment (which the workers inherit) pointed at them, at
    ``database_url`` and at ``args.redis``, with the batch sizes and the gateway's rate of
    ``args``. Returns the three and one browser's push keys (p256dh, auth) for every
    subscription (each has its own endpoint)."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from civicportal.notifications.management.commands.vapid_keys import vapid_keys_generate

    smtp = SmtpSink(match=match)
    push = HttpSink(201)
    sms = HttpSink(200)
    public, private = vapid_keys_generate()
    browser_key = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    p256dh = base64.urlsafe_b64encode(browser_key).decode().rstrip("=")
    auth = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
    environment_use(
        database_url=database_url,
        redis_url=args.redis,
        also_dropped=("ALERTS_",),
        **worker_settings(args.redis),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        NOTIFICATIONS_VAPID_PUBLIC_KEY=public,
        NOTIFICATIONS_VAPID_PRIVATE_KEY=private,
        NOTIFICATIONS_PUSH_ALLOW_HTTP="1",
        # The stand-ins listen on 127.0.0.1, which the outbound guard refuses unless told.
        NOTIFICATIONS_PUSH_HOSTS="127.0.0.1",
        OUTBOUND_ALLOW_LOOPBACK="1",
        NOTIFICATIONS_SMS_BACKEND="http",
        NOTIFICATIONS_SMS_GATEWAY_URL=f"http://127.0.0.1:{sms.port}/messages",
        NOTIFICATIONS_SOCIAL_BACKENDS="recording",
        NOTIFICATIONS_CHUNK_SIZE=str(args.chunk_size),
        # Email and push as fast as the machine goes; texts at the gateway's rate.
        NOTIFICATIONS_RATES=f"sms={args.sms_rate},social=100",
        ALERTS_FANOUT_BATCH=str(args.fanout_batch),
    )
    return smtp, push, sms, (p256dh, auth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--push-share", type=float, default=0.3)
    parser.add_argument("--sms-share", type=float, default=0.1)
    parser.add_argument("--backlog", type=int, default=100_000, help="non-urgent emails queued")
    parser.add_argument("--database", default="cp_bench_alerts")
    parser.add_argument("--postgres", default="postgres://root@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--chunk-size", type=int, default=200)
    parser.add_argument("--fanout-batch", type=int, default=2000)
    parser.add_argument("--sms-rate", type=int, default=100, help="the SMS gateway's texts/s")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    n = args.recipients
    if args.backlog > n:
        raise SystemExit("--backlog goes to existing residents: at most --recipients")

    print(f"load average at start: {loadavg()}", flush=True)
    database_url = database_create(args.postgres, args.database)
    smtp, push, sms, browser = far_sides_start(args, database_url, match=HEADLINE.encode())
    p256dh, auth = browser
    print(f"migrated {args.database} in {database_migrate():.1f} s", flush=True)

    import django

    django.setup()
    import redis
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from alerts import services
    from alerts.models import AlertMessage, AlertSubscription
    from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
    from civicportal.accounts import roles
    from civicportal.accounts.models import Area, User
    from civicportal.notifications.models import Delivery, PhoneNumber, PushSubscription
    from civicportal.notifications.services import event_create

    redis.Redis.from_url(args.redis).flushdb()  # the bench's own Redis database

    started = time.perf_counter()
    password = make_password(None)
    verified = timezone.now()

    email_percent = round(100 * (1 - args.push_share - args.sms_share))
    push_percent = round(100 * args.push_share)

    def channel_of(i: int) -> str:
        """Channels interleaved over the residents, as in a real town: of every 100 in a
        row, the first go by email, the next by push, the last by SMS."""
        place = i % 100
        if place < email_percent:
            return "email"
        return "push" if place < email_percent + push_percent else "sms"

    counts = Counter(channel_of(i) for i in range(n))
    n_email, n_push, n_sms = counts["email"], counts["push"], counts["sms"]

    for offset in range(0, n, 10_000):
        users = User.objects.bulk_create(
            [
                User(email=f"resident{i}@example.org", display_name=f"R {i}", password=password)
                for i in range(offset, min(n, offset + 10_000))
            ],
            batch_size=2000,
        )
        numbered = list(zip(range(offset, offset + len(users)), users, strict=True))
        AlertSubscription.objects.bulk_create(
            [
                AlertSubscription(
                    user=u,
                    by_email=channel_of(i) == "email",
                    by_push=channel_of(i) == "push",
                    by_sms=channel_of(i) == "sms",
                )
                for i, u in numbered
            ],
            batch_size=2000,
        )
        PushSubscription.objects.bulk_create(
            [
                PushSubscription(
                    user=u, endpoint=f"{push.url}/push/{u.pk}", p256dh=p256dh, auth=auth
                )
                for i, u in numbered
                if channel_of(i) == "push"
            ],
            batch_size=2000,
        )
        PhoneNumber.objects.bulk_create(
            [
                PhoneNumber(user=u, number=f"+3547{i:06d}", verified_at=verified)
                for i, u in numbered
                if channel_of(i) == "sms"
            ],
            batch_size=2000,
        )
    where = Area.objects.create(name="Riverside", slug="riverside")
    roles.ensure_role_groups()
    author = User.objects.create(email="author@council.example", is_staff=True, password=password)
    approver = User.objects.create(
        email="approver@council.example", is_staff=True, password=password
    )
    author.groups.add(Group.objects.get(name=ALERT_AUTHOR))
    approver.groups.add(Group.objects.get(name=ALERT_APPROVER))
    print(f"created {n:,} subscribers in {time.perf_counter() - started:.1f} s", flush=True)

    from datetime import timedelta

    log_dir = ROOT / "var"
    log_dir.mkdir(exist_ok=True)
    workers = workers_start(log_dir)
    print(f"workers: {', '.join(workers)} (docker-compose.yml)", flush=True)
    try:
        watch = WorkerWatch([process.pid for process, _log in workers.values()])
        watch.sample()
        idle_kb = watch.peak_total_kb
        watch.start()

        # The backlog: a non-urgent notice by email to --backlog residents, queued and
        # being sent on the default queue before the alert is approved.
        started = time.perf_counter()
        with transaction.atomic():
            event_create(
                kind="proposals.status_changed",
                recipients=User.objects.filter(email__startswith="resident").order_by("pk")[
                    : args.backlog
                ],
                channels_for=lambda user: ["email"],
                context={
                    "subject": "Weekly round-up of ideas",
                    "body": "Here is what happened to the ideas you follow this week.",
                    "params": {},
                },
                idempotency_key="bench.backlog",
            )
        print(
            f"queued a backlog of {args.backlog:,} emails in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        while args.backlog and smtp.other.value == 0:
            time.sleep(0.1)

        alert = services.alert_draft_create(
            actor=author,
            content=services.MessageContent(
                category="Met", event="Flood", urgency="Immediate", severity="Severe",
                certainty="Observed", response_type="Avoid",
                headline=HEADLINE,
                description="The river has burst its banks at the marina; water is rising.",
                instruction="Stay away from the riverside and move valuables upstairs.",
                expires=timezone.now() + timedelta(hours=6), areas=[where],
            ),
        )  # fmt: skip
        message = alert.messages.get()
        services.alert_submit_for_approval(actor=author, message=message)
        marks: dict[str, float] = {}
        with transaction.atomic():
            transaction.on_commit(lambda: marks.setdefault("approved", time.time()))
            services.alert_approve(
                actor=approver, message=message, version=services.message_version(message)
            )
        backlog_at_approval = smtp.other.value
        expected = {"email": (smtp, n_email), "push": (push, n_push), "sms": (sms, n_sms)}
        deadline = time.monotonic() + args.timeout
        while any(sink.count.value < want for sink, want in expected.values()):
            stopped = [name for name, (p, _log) in workers.items() if p.poll() is not None]
            if time.monotonic() > deadline or stopped:
                raise SystemExit(
                    "only "
                    + ", ".join(f"{s.count.value:,} {c}" for c, (s, _n) in expected.items())
                    + f" arrived (stopped workers: {stopped or 'none'}); see {log_dir}"
                )
            time.sleep(0.2)
        watch.stopping.set()
        watch.join()
        time.sleep(1)
        backlog_at_end = smtp.other.value
        alert_deliveries = Delivery.objects.filter(
            event__source_content_type=ContentType.objects.get_for_model(AlertMessage),
            event__source_object_id=str(message.pk),
        )
        statuses = {
            (channel, status): count
            for channel, status, count in alert_deliveries.values_list("channel", "status")
            .annotate(count=Count("id"))
            .values_list("channel", "status", "count")
        }
        per_recipient = (
            alert_deliveries.values("recipient_id", "channel")
            .annotate(count=Count("id"))
            .filter(count__gt=1)
            .count()
        )
        social_first = (
            alert_deliveries.filter(channel="social", status="sent")
            .order_by("sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
        duplicates = per_recipient + sum(
            sink.count.value - want for sink, want in expected.values()
        )
        timeline = _timeline(alert_deliveries, since=marks["approved"])
    finally:
        for process, _log in workers.values():
            worker_stop(process)
        smtp.stop()
        push.stop()
        sms.stop()

    unsent = {key: count for key, count in statuses.items() if key[1] != "sent"}
    sent = {channel: count for (channel, status), count in statuses.items() if status == "sent"}
    t0 = marks["approved"]
    times = {
        channel: (sink.first.value - t0, sink.last.value - t0)
        for channel, (sink, _want) in expected.items()
    }
    peak_mb = watch.peak_total_kb / 1024
    print()
    print(f"{'':<38} {'email':>10} {'web push':>10} {'SMS':>10}")
    print(f"{'recipients':<38} {n_email:>10,} {n_push:>10,} {n_sms:>10,}")
    print(f"{'sent (database)':<38} " + " ".join(f"{sent.get(c, 0):>10,}" for c in expected))
    print(
        f"{'approval to first delivery (s)':<38} "
        + " ".join(f"{times[c][0]:>10.2f}" for c in expected)
    )
    print(
        f"{'approval to last delivery (s)':<38} "
        + " ".join(f"{times[c][1]:>10.2f}" for c in expected)
    )
    first_social = social_first.timestamp() - t0 if social_first else float("nan")
    print(f"{'approval to the council account post (s)':<38} {first_social:>10.2f}")
    print(f"{'SMS gateway busiest second':<38} {sms.peak.value:>10} (rate {args.sms_rate}/s)")
    print(
        f"{'backlog emails sent before / during':<38} {backlog_at_approval:>10,} "
        f"{backlog_at_end - backlog_at_approval:>10,}"
    )
    print(f"{'workers peak RSS (MB)':<38} {peak_mb:>10.1f}  (idle {idle_kb / 1024:.1f})")
    print(f"{'deliveries not sent':<38} {unsent or 'none'}")
    for channel, fields in timeline.items():
        for field, label in (("created_at", "written"), ("sent_at", "sent")):
            figures = " / ".join(f"{value:.1f}" for value in fields[field])
            print(f"{channel + ' ' + label + ' 25/50/75/100 % (s)':<38} {figures}")
    print(f"{'messages beyond one per subscriber':<38} {duplicates:>10}")
    print(f"load average at end: {loadavg()}")
    print(
        f"RESULT first_email_s={times['email'][0]:.2f} first_push_s={times['push'][0]:.2f} "
        f"first_sms_s={times['sms'][0]:.2f} first_social_s={first_social:.2f} last_email_s={times['email'][1]:.2f} "
        f"last_push_s={times['push'][1]:.2f} last_sms_s={times['sms'][1]:.2f} "
        f"sms_peak_per_s={sms.peak.value} duplicates={duplicates} backlog={args.backlog} "
        f"workers_peak_rss_mb={peak_mb:.0f}"
    )
    if duplicates or unsent:
        raise SystemExit("not exactly one delivery per subscriber and channel")


if __name__ == "__main__":
    main()
