"""Benchmark: one email event to N recipients through the real engine, against a bare loop.

    .venv/bin/python bench/notify_fanout.py [--recipients 100000] [--no-fast-path]

It creates a fresh PostgreSQL database (``--database``, dropped first), migrates it, bulk-
creates N residents, starts a minimal SMTP sink on loopback in its own process and one
``celery worker --concurrency=2`` (two pool processes) on a Redis database of its own, then
creates one event to every resident by email through ``event_create`` and measures from
the commit to the last message at the sink: deliveries per second and time to the last
delivery, and the worker tree's peak memory (sum of VmRSS over the parent and its pool,
sampled from /proc; and the largest VmHWM of one process). The baseline sends N messages
of the same size with a bare ``smtplib`` loop over one connection to the same sink.

Targets (issue 3): at least 1,000 deliveries/s end to end and at least half the bare
loop's rate. The last line is
``RESULT deliveries_per_s=<x> ratio_vs_bare=<y> worker_peak_rss_mb=<z>``.
"""

from __future__ import annotations

import argparse
import smtplib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from support import (  # noqa: E402
    SmtpSink,
    WorkerWatch,
    cpu_seconds,
    database_create,
    database_migrate,
    environment_use,
    loadavg,
    process_tree,
    worker_settings,
    worker_start,
    worker_stop,
    worker_wait_ready,
)

# --- Set-up --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--database", default="cp_bench_notify")
    parser.add_argument("--postgres", default="postgres://root@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--chunk-size", type=int, default=200)
    parser.add_argument("--email-rate", type=int, default=10_000, help="paced messages/s")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--no-pipelining",
        action="store_true",
        help="the sink does not offer SMTP PIPELINING (the engine then uses 4 round trips)",
    )
    parser.add_argument(
        "--no-fast-path",
        action="store_true",
        help="NOTIFICATIONS_EMAIL_PIPELINING off: the engine sends through smtplib's sendmail",
    )
    args = parser.parse_args()
    n = args.recipients

    print(f"load average at start: {loadavg()}", flush=True)
    database_url = database_create(args.postgres, args.database)
    sink = SmtpSink(pipelining=not args.no_pipelining)
    environment_use(
        database_url=database_url,
        redis_url=args.redis,
        **worker_settings(args.redis),
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        NOTIFICATIONS_CHUNK_SIZE=str(args.chunk_size),
        NOTIFICATIONS_RATES=f"email={args.email_rate}",
        NOTIFICATIONS_EMAIL_PIPELINING="0" if args.no_fast_path else "1",
    )
    print(f"migrated {args.database} in {database_migrate():.1f} s", flush=True)

    import django

    django.setup()
    import redis
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Count

    from civicportal.accounts.models import User
    from civicportal.notifications.channels.email import EmailChannel
    from civicportal.notifications.models import Delivery
    from civicportal.notifications.services import event_create

    redis.Redis.from_url(args.redis).flushdb()  # the bench's own Redis database

    started = time.perf_counter()
    password = make_password(None)
    languages = ["en"] * 9 + ["is"]
    for offset in range(0, n, 10_000):
        User.objects.bulk_create(
            [
                User(
                    email=f"resident{i}@example.org",
                    display_name=f"Resident {i}",
                    preferred_language=languages[i % len(languages)],
                    password=password,
                )
                for i in range(offset, min(n, offset + 10_000))
            ],
            batch_size=2000,
        )
    print(f"created {n:,} residents in {time.perf_counter() - started:.1f} s", flush=True)

    log = ROOT / "var" / "bench-notify-worker.log"
    log.parent.mkdir(exist_ok=True)
    worker = worker_start(
        ["-A", "civicportal", "worker", f"--concurrency={args.concurrency}", "--loglevel=INFO"],
        name="bench",
        log=log,
    )
    try:
        worker_wait_ready(worker, log)
        watch = WorkerWatch([worker.pid], args.database)
        watch.sample()
        idle_kb = watch.peak_total_kb
        watch.start()

        marks: dict[str, float] = {}
        worker_pids = process_tree(worker.pid)
        cpu_before = cpu_seconds(worker_pids), cpu_seconds([sink.process.pid])
        created = time.perf_counter()
        with transaction.atomic():
            # Runs first among the commit's callbacks, before the engine's enqueueing.
            transaction.on_commit(lambda: marks.setdefault("commit", time.time()))
            event = event_create(
                kind="bench.fanout",
                recipients=User.objects.order_by("pk"),
                channels_for=lambda user: ["email"],
                context={
                    "subject": "The budget vote for %(area)s is open",
                    "body": (
                        "Residents of %(area)s can now vote on the projects of this year's "
                        "participatory budget.\n\nVoting closes on 15 December."
                    ),
                    "params": {"area": "Vesturbær"},
                    "url": "/budgeting/2026/",
                    "action": "Vote now",
                },
                idempotency_key=f"bench.fanout.{n}",
            )
        enqueued = time.time()
        print(
            f"event_create + commit + enqueue: {time.perf_counter() - created:.1f} s "
            f"(enqueue {enqueued - marks['commit']:.1f} s)",
            flush=True,
        )
        deadline = time.monotonic() + args.timeout
        while sink.count.value < n:
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"only {sink.count.value:,} of {n:,} messages arrived; see {log}")
            time.sleep(0.2)
        watch.stopping.set()
        watch.join()
        watch.sample()
        worker_cpu = cpu_seconds(worker_pids) - cpu_before[0]
        sink_cpu = cpu_seconds([sink.process.pid]) - cpu_before[1]
        database_cpu = watch.database_cpu_s()
        engine_s = sink.last.value - marks["commit"]
        engine_rate = n / engine_s
        message_size = sink.size.value
        statuses = dict(
            Delivery.objects.filter(event=event)
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        time.sleep(1)
        extra = sink.count.value - n
        peak_mb = watch.peak_total_kb / 1024
        hwm_mb = max(watch.hwm_kb.values()) / 1024

        # The baseline: the same number of messages, the same size, one connection.
        sample = Delivery.objects.select_related("event", "recipient").filter(event=event).first()
        data = EmailChannel().message_build(sample).message().as_bytes(linesep="\r\n")
        sink.reset()
        bare_cpu_before = time.process_time(), cpu_seconds([sink.process.pid])
        started = time.time()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for i in range(n):
                smtp.sendmail("bench@example.org", [f"bare{i}@example.org"], data)
        while sink.count.value < n:
            time.sleep(0.05)
        bare_s = sink.last.value - started
        bare_client_cpu = time.process_time() - bare_cpu_before[0]
        bare_sink_cpu = cpu_seconds([sink.process.pid]) - bare_cpu_before[1]
        bare_rate = n / bare_s
    finally:
        worker_stop(worker)
        sink.stop()

    print()
    print(f"{'':<36} {'engine':>12} {'bare loop':>12}")
    print(f"{'messages':<36} {n:>12,} {n:>12,}")
    print(f"{'message size (bytes)':<36} {message_size:>12,} {len(data):>12,}")
    print(f"{'time to last delivery (s)':<36} {engine_s:>12.2f} {bare_s:>12.2f}")
    print(f"{'deliveries per second':<36} {engine_rate:>12,.0f} {bare_rate:>12,.0f}")
    print(
        f"{'sender CPU per message (ms)':<36} {worker_cpu / n * 1000:>12.3f} "
        f"{bare_client_cpu / n * 1000:>12.3f}"
    )
    print(
        f"{'sink CPU per message (ms)':<36} {sink_cpu / n * 1000:>12.3f} "
        f"{bare_sink_cpu / n * 1000:>12.3f}"
    )
    print(f"{'database CPU per message (ms)':<36} {database_cpu / n * 1000:>12.3f}")
    print(f"{'worker tree peak RSS (MB)':<36} {peak_mb:>12.1f}")
    print(f"{'  idle before the event (MB)':<36} {idle_kb / 1024:>12.1f}")
    print(f"{'  largest one-process VmHWM (MB)':<36} {hwm_mb:>12.1f}")
    print(f"{'delivery rows by status':<36} {statuses}")
    print(f"{'messages beyond one per recipient':<36} {extra:>12}")
    print(f"load average at end: {loadavg()}")
    print(
        f"RESULT deliveries_per_s={engine_rate:.0f} ratio_vs_bare={engine_rate / bare_rate:.2f} "
        f"worker_peak_rss_mb={peak_mb:.0f}"
    )


if __name__ == "__main__":
    main()
