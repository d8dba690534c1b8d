"""Benchmark: everyone opens the alert page at once. Requests per second and p95 latency
of the home page (with the active-alert banner) and of the alert page under 50 concurrent
clients, against gunicorn on PostgreSQL, beside a minimal Django view on the same server.

    .venv/bin/python bench/alert_page_load.py [--seconds 10] [--clients 50] [--scale 1.0]

It creates a fresh PostgreSQL database (``--database``, dropped first), migrates it, and
publishes one alert with an update through the services (two people), plus ``--scale`` x
2,000 past alerts so the list and the banner query run against history. Gunicorn serves a
URLconf of the bench's own (written to a temporary directory) that adds ``/bench/minimal/``
(a view that returns a short text response, no database) to the portal's URLs, so the
baseline goes through the same server, settings and middleware as the pages.

The load generator is the small asyncio HTTP/1.1 client of support.py (keep-alive when the
server allows it, no cookies: first-time visitors), ``--clients`` connections each sending
its next request as soon as the last answer is in, for ``--seconds`` per URL. The URLs take
turns in ``--rounds`` slices, so that the other load on the machine weighs on all of them
alike. The client uses about half the CPU per request aiohttp does, and shares the 2 cores
with the server: the CPU each side used per request is printed with every figure.

Targets (issue 7): at least half the baseline's rate, and p95 under 100 ms, for both pages.
The last line is ``RESULT rps_ratio=<min over the pages> p95_ms=<max over the pages>``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from support import (
    assets_build,
    closed_loop,
    cpu_seconds,
    database_create,
    database_migrate,
    environment_use,
    free_port,
    http_request,
    loadavg,
    process_tree,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETTINGS = """from civicportal.settings import *  # noqa: F403
ROOT_URLCONF = "bench_alert_urls"
"""
URLS = """from django.http import HttpResponse
from django.urls import path

from civicportal.urls import urlpatterns as portal


def minimal(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal), *portal]
handler404 = "civicportal.core.views.page_not_found"
"""
# Gunicorn for 2 cores: threaded workers keep connections open between requests (the sync
# worker closes each one), so neither side pays a TCP handshake per request.
WORKERS = 2
THREADS = 4


def _load(
    host: str, port: int, path: str, *, clients: int, seconds: float
) -> tuple[float, list[float], int]:
    """``clients`` closed-loop connections on ``path`` for ``seconds`` (first-time visitors:
    no cookies): the seconds it took, the latencies and the number of errors."""
    request = http_request(
        "GET", path, host=f"{host}:{port}", headers={"Accept": "text/html", "Accept-Language": "en"}
    )

    def next_request(_client: int):
        return request, lambda answer: answer.status == 200

    return asyncio.run(
        closed_loop(host, port, clients=clients, seconds=seconds, next_request=next_request)
    )


@dataclass
class _Measured:
    """One URL's slices, added up."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    server_cpu: float = 0.0
    client_cpu: float = 0.0


def _p95_ms(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[94] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5, help="turns the URLs take")
    parser.add_argument("--scale", type=float, default=1.0, help="x 2,000 past alerts")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers")
    parser.add_argument(
        "--worker-class", choices=("gthread", "sync"), default="gthread", help="gunicorn's"
    )
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per gthread worker")
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        default=None,
        help="CORE_PAGE_CACHE_SECONDS for the server (default: the portal's; 0: no page cache)",
    )
    parser.add_argument("--database", default="cp_bench_alert_pages")
    parser.add_argument("--postgres", default="postgres://root@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    print(f"load average at start: {loadavg()}", flush=True)
    assets_build()  # gunicorn serves pages with DEBUG off: hashed static files, manifest
    modules = Path(tempfile.mkdtemp(prefix="bench-alert-pages-"))
    (modules / "bench_alert_settings.py").write_text(SETTINGS)
    (modules / "bench_alert_urls.py").write_text(URLS)
    database_url = database_create(args.postgres, args.database)
    page_cache = {}
    if args.page_cache_seconds is not None:
        page_cache["CORE_PAGE_CACHE_SECONDS"] = str(args.page_cache_seconds)
    env = environment_use(
        database_url=database_url,
        redis_url=args.redis,
        also_dropped=("ALERTS_", "CORE_"),
        PYTHONPATH=f"{modules}{os.pathsep}{ROOT}",
        DJANGO_SETTINGS_MODULE="bench_alert_settings",
        CELERY_TASK_ALWAYS_EAGER="1",  # no worker: the fan-out (nobody subscribed) runs inline
        # No mail is sent here, but DEBUG off needs an email backend.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        NOTIFICATIONS_SOCIAL_BACKENDS="recording",
        # The recording social account needs no pacing: at the default 1 post/s the
        # history alone would take over half an hour to publish.
        NOTIFICATIONS_RATES="email=200,push=100,sms=10",
        **page_cache,
    )
    sys.path.insert(0, str(modules))
    database_migrate()

    import django

    django.setup()
    from datetime import timedelta

    import redis
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from alerts import services
    from alerts.models import Alert, AlertMessage
    from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
    from civicportal.accounts import roles
    from civicportal.accounts.models import Area, User

    redis.Redis.from_url(args.redis).flushdb()
    roles.ensure_role_groups()
    author = User.objects.create(email="author@council.example", is_staff=True)
    approver = User.objects.create(email="approver@council.example", is_staff=True)
    author.groups.add(Group.objects.get(name=ALERT_AUTHOR))
    approver.groups.add(Group.objects.get(name=ALERT_APPROVER))
    where = Area.objects.create(name="Harbourside", slug="harbourside")

    def content(headline: str) -> services.MessageContent:
        return services.MessageContent(
            category="Met", event="Flood", urgency="Immediate", severity="Severe",
            certainty="Observed", response_type="Avoid", headline=headline,
            description="The river has burst its banks at the marina. " * 5,
            instruction="Stay away from the riverside. Move valuables upstairs.",
            expires=timezone.now() + timedelta(hours=6), areas=[where],
        )  # fmt: skip

    started = time.perf_counter()
    history = int(2000 * args.scale)
    for i in range(history):
        alert = services.alert_draft_create(actor=author, content=content(f"Past alert {i}"))
        message = alert.messages.get()
        services.alert_submit_for_approval(actor=author, message=message)
        services.alert_approve(
            actor=approver, message=message, version=services.message_version(message)
        )
    past = timezone.now() - timedelta(days=1)
    Alert.objects.update(expires_at=past)
    AlertMessage.objects.update(expires=past)
    services.alerts_expire()
    alert = services.alert_draft_create(actor=author, content=content("Flooding in Harbourside"))
    message = alert.messages.get()
    services.alert_submit_for_approval(actor=author, message=message)
    services.alert_approve(
        actor=approver, message=message, version=services.message_version(message)
    )
    update = services.alert_update(actor=author, alert=alert, content=content("Flood: update"))
    services.alert_approve(actor=approver, message=update, version=services.message_version(update))
    print(f"published {history + 1:,} alerts in {time.perf_counter() - started:.1f} s", flush=True)
    threads = args.threads if args.worker_class == "gthread" else 1  # sync: no keep-alive
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers x {threads} threads; "
        f"page cache {settings.CORE_PAGE_CACHE_SECONDS} s",
        flush=True,
    )

    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "civicportal.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--worker-class", args.worker_class, "--threads", str(threads),
            "--keep-alive", "30", "--log-level", "warning", "--backlog", "2048",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bench_alert_settings"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        targets = {
            "baseline (minimal view)": "/bench/minimal/",
            "home page with banner": "/",
            "alert page": f"/alerts/{alert.pk}/",
        }
        for path in targets.values():  # warm up every worker (templates, pool, copies)
            _load("127.0.0.1", port, path, clients=args.clients, seconds=1)
        # The URLs take turns in short slices, so that the other load on the machine, which
        # drifts, weighs on the baseline and the pages alike.
        measured = {name: _Measured() for name in targets}
        server_pids = process_tree(server.pid)
        for _round in range(args.rounds):
            for name, path in targets.items():
                server_cpu, client_cpu = cpu_seconds(server_pids), time.process_time()
                seconds, latencies, errors = _load(
                    "127.0.0.1",
                    port,
                    path,
                    clients=args.clients,
                    seconds=args.seconds / args.rounds,
                )
                slot = measured[name]
                slot.seconds += seconds
                slot.latencies += latencies
                slot.errors += errors
                slot.server_cpu += cpu_seconds(server_pids) - server_cpu
                slot.client_cpu += time.process_time() - client_cpu
        results = {}
        for name, slot in measured.items():
            count = len(slot.latencies)
            rps, p95 = count / slot.seconds, _p95_ms(slot.latencies)
            results[name] = (rps, p95)
            print(f"{name:<26} {rps:>8.0f} req/s  p95 {p95:>7.1f} ms  ({count:,} requests, "
                  f"{slot.errors} errors; CPU ms per request: server "
                  f"{slot.server_cpu / count * 1000:.2f}, load client "
                  f"{slot.client_cpu / count * 1000:.2f})", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(20)

    baseline = results["baseline (minimal view)"][0]
    pages = [results["home page with banner"], results["alert page"]]
    ratio = min(rps for rps, _ in pages) / baseline
    p95 = max(p for _, p in pages)
    print(f"load average at end: {loadavg()}")
    print(f"RESULT rps_ratio={ratio:.2f} p95_ms={p95:.1f}")


if __name__ == "__main__":
    main()
