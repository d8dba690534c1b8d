"""Benchmark: one alert approved for N subscribers (70 % email, 30 % web push), through the
real two-person services, the fan-out task, the notification engine and a real worker.

    .venv/bin/python bench/alert_fanout.py [--recipients 100000]

It creates a fresh PostgreSQL database (``--database``, dropped first), migrates it, bulk-
creates N residents with alert subscriptions (70 % by email, 30 % by web push with one
browser each), starts an SMTP sink and an HTTP push endpoint on loopback, each in its own
process, and one ``celery worker --concurrency=2``; then an author drafts and submits an
alert and a second person approves it. It measures from the approval's commit to the first
and to the last delivery at each sink, and the worker tree's peak memory (sum of VmRSS over
the parent and its pool, sampled from /proc).

Targets (issue 7): first delivery under 2 s, last under 120 s on a 2-core machine. The last
line is ``RESULT first_delivery_s=<x> last_delivery_s=<y> worker_peak_rss_mb=<z>``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from support import (  # noqa: E402
    database_create,
    free_port,
    loadavg,
    process_tree,
    status_kb,
    worker_stop,
    worker_wait_ready,
)

# --- Sinks, process trees and memory (kept here: each bench stands alone) -------------------


def _smtp_main(port: int, count, first, last, ready) -> None:
    """A minimal aiosmtpd server (PIPELINING offered, as production relays do) that counts
    accepted messages and stamps the first and the last."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            responses.insert(len(responses) - 1, "250-PIPELINING")
            return responses

        async def handle_DATA(self, server, session, envelope):
            now = time.time()
            if count.value == 0:
                first.value = now
            count.value += 1
            last.value = now
            return "250 OK"

    Controller(Handler(), hostname="127.0.0.1", port=port).start()
    ready.set()
    threading.Event().wait()


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        ctx = multiprocessing.get_context("spawn")
        self.count = ctx.RawValue("q", 0)
        self.first = ctx.RawValue("d", 0.0)
        self.last = ctx.RawValue("d", 0.0)
        ready = ctx.Event()
        self.process = ctx.Process(
            target=_smtp_main,
            args=(self.port, self.count, self.first, self.last, ready),
            daemon=True,
        )
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


class MemoryWatch(threading.Thread):
    """Samples the worker tree's total VmRSS every 0.2 s and keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_total_kb = 0
        self.stopping = threading.Event()

    def sample(self) -> None:
        self.peak_total_kb = max(
            self.peak_total_kb, sum(status_kb(p, "VmRSS") for p in process_tree(self.pid))
        )

    def run(self) -> None:
        while not self.stopping.wait(0.2):
            self.sample()


def _push_main(port: int, count, first, last, ready) -> None:
    """A push service on loopback: answers 201 and stamps the first and last request."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            now = time.time()
            with lock:
                if count.value == 0:
                    first.value = now
                count.value += 1
                last.value = now
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    ready.set()
    server.serve_forever()


class PushSink:
    def __init__(self) -> None:
        self.port = free_port()
        ctx = multiprocessing.get_context("spawn")
        self.count = ctx.RawValue("q", 0)
        self.first = ctx.RawValue("d", 0.0)
        self.last = ctx.RawValue("d", 0.0)
        ready = ctx.Event()
        self.process = ctx.Process(
            target=_push_main,
            args=(self.port, self.count, self.first, self.last, ready),
            daemon=True,
        )
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("the push endpoint did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--push-share", type=float, default=0.3)
    parser.add_argument("--database", default="cp_bench_alerts")
    parser.add_argument("--postgres", default="postgres://root@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--chunk-size", type=int, default=200)
    parser.add_argument("--fanout-batch", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=10_000, help="paced messages/s per channel")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    n = args.recipients
    n_push = int(n * args.push_share)
    n_email = n - n_push

    print(f"load average at start: {loadavg()}", flush=True)
    database_url = database_create(args.postgres, args.database)
    smtp = SmtpSink()
    push = PushSink()
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from civicportal.notifications.management.commands.vapid_keys import vapid_keys_generate

    public, private = vapid_keys_generate()
    # One browser's keys for every push subscription (each has its own endpoint).
    browser_key = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    p256dh = base64.urlsafe_b64encode(browser_key).decode().rstrip("=")
    auth = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EMAIL_", "NOTIFICATIONS_", "CELERY_", "DATABASE_", "ALERTS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="civicportal.settings",
        DATABASE_URL=database_url,
        DATABASE_POOL_MIN_SIZE="1",
        DATABASE_POOL_MAX_SIZE="4",
        REDIS_URL=args.redis,
        CELERY_BROKER_URL=args.redis,
        CELERY_TASK_ALWAYS_EAGER="0",
        SECRET_KEY="bench-secret-key-not-for-production",
        CENSUS_HASH_KEY="bench-census-key-not-for-production",
        DEBUG="0",
        INSECURE_HTTP="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        FAST_PASSWORD_HASHER="1",
        LOG_FORMAT="text",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        NOTIFICATIONS_VAPID_PUBLIC_KEY=public,
        NOTIFICATIONS_VAPID_PRIVATE_KEY=private,
        NOTIFICATIONS_PUSH_ALLOW_HTTP="1",
        # The push stand-in listens on 127.0.0.1, which the outbound guard refuses unless told.
        NOTIFICATIONS_PUSH_HOSTS="127.0.0.1",
        OUTBOUND_ALLOW_LOOPBACK="1",
        NOTIFICATIONS_SOCIAL_BACKENDS="recording",
        NOTIFICATIONS_CHUNK_SIZE=str(args.chunk_size),
        NOTIFICATIONS_RATES=f"email={args.rate},push={args.rate},social=100",
        ALERTS_FANOUT_BATCH=str(args.fanout_batch),
    )
    os.environ.clear()
    os.environ.update(env)

    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )
    print(f"migrated {args.database} in {time.perf_counter() - started:.1f} s", flush=True)

    import django

    django.setup()
    import redis
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.db.models import Count

    from alerts import services
    from alerts.models import AlertSubscription
    from civicportal.accounts import roles
    from civicportal.accounts.models import Area, User
    from civicportal.notifications.models import Delivery, PushSubscription

    redis.Redis.from_url(args.redis).flushdb()  # the bench's own Redis database

    started = time.perf_counter()
    password = make_password(None)
    for offset in range(0, n, 10_000):
        users = User.objects.bulk_create(
            [
                User(email=f"resident{i}@example.org", display_name=f"R {i}", password=password)
                for i in range(offset, min(n, offset + 10_000))
            ],
            batch_size=2000,
        )
        AlertSubscription.objects.bulk_create(
            [
                AlertSubscription(user=u, by_email=i < n_email, by_push=i >= n_email)
                for i, u in zip(range(offset, offset + len(users)), users, strict=True)
            ],
            batch_size=2000,
        )
        PushSubscription.objects.bulk_create(
            [
                PushSubscription(
                    user=u,
                    endpoint=f"{push.url}/push/{u.pk}",
                    p256dh=p256dh,
                    auth=auth,
                )
                for i, u in zip(range(offset, offset + len(users)), users, strict=True)
                if i >= n_email
            ],
            batch_size=2000,
        )
    where = Area.objects.create(name="Riverside", slug="riverside")
    roles.ensure_role_groups()
    author = User.objects.create(email="author@council.example", is_staff=True, password=password)
    approver = User.objects.create(
        email="approver@council.example", is_staff=True, password=password
    )
    author.groups.add(Group.objects.get(name=roles.ALERT_AUTHOR))
    approver.groups.add(Group.objects.get(name=roles.ALERT_APPROVER))
    print(f"created {n:,} subscribers in {time.perf_counter() - started:.1f} s", flush=True)

    log = ROOT / "var" / "bench-alerts-worker.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as log_file:
        worker = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "celery"), "-A", "civicportal", "worker",
                f"--concurrency={args.concurrency}", "--loglevel=INFO",
                "-n", f"bench-alerts-{os.getpid()}@%h", "--without-mingle", "--without-gossip",
            ],
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        worker_wait_ready(worker, log)
        watch = MemoryWatch(worker.pid)
        watch.sample()
        idle_kb = watch.peak_total_kb
        watch.start()

        from datetime import timedelta

        from django.utils import timezone

        alert = services.alert_draft_create(
            actor=author,
            content=services.MessageContent(
                category="Met", event="Flood", urgency="Immediate", severity="Severe",
                certainty="Observed", response_type="Avoid",
                headline="River flooding in Riverside",
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
        deadline = time.monotonic() + args.timeout
        while smtp.count.value < n_email or push.count.value < n_push:
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(
                    f"only {smtp.count.value:,} emails and {push.count.value:,} pushes arrived; "
                    f"see {log}"
                )
            time.sleep(0.2)
        watch.stopping.set()
        watch.join()
        time.sleep(1)
        statuses = dict(
            Delivery.objects.values_list("channel", "status")
            .annotate(n=Count("id"))
            .values_list("channel", "n")
        )
        extra = (smtp.count.value - n_email) + (push.count.value - n_push)
    finally:
        worker_stop(worker)
        smtp.stop()
        push.stop()

    t0 = marks["approved"]
    email_first, email_last = smtp.first.value - t0, smtp.last.value - t0
    push_first, push_last = push.first.value - t0, push.last.value - t0
    first = min(email_first, push_first)
    last = max(email_last, push_last)
    peak_mb = watch.peak_total_kb / 1024
    print()
    print(f"{'':<34} {'email':>10} {'web push':>10}")
    print(f"{'recipients':<34} {n_email:>10,} {n_push:>10,}")
    print(f"{'approval to first delivery (s)':<34} {email_first:>10.2f} {push_first:>10.2f}")
    print(f"{'approval to last delivery (s)':<34} {email_last:>10.2f} {push_last:>10.2f}")
    print(f"{'worker tree peak RSS (MB)':<34} {peak_mb:>10.1f}  (idle {idle_kb / 1024:.1f})")
    print(f"{'deliveries by channel':<34} {statuses}")
    print(f"{'messages beyond one per recipient':<34} {extra:>10}")
    print(f"load average at end: {loadavg()}")
    print(
        f"RESULT first_delivery_s={first:.2f} last_delivery_s={last:.2f} "
        f"worker_peak_rss_mb={peak_mb:.0f}"
    )


if __name__ == "__main__":
    main()
