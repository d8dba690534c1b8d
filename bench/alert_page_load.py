"""Benchmark: everyone opens the alert page at once. Requests per second and p95 latency
of the home page (with the active-alert banner) and of the alert page under 50 concurrent
clients, against gunicorn on PostgreSQL, beside a minimal Django view on the same server.

    .venv/bin/python bench/alert_page_load.py [--seconds 10] [--clients 50] [--scale 1.0]

It creates a fresh PostgreSQL database (``--database``, dropped first), migrates it, and
publishes one alert with an update through the services (two people), plus ``--scale`` x
2,000 past alerts so the list and the banner query run against history. Gunicorn serves a
URLconf of the bench's own (written to a temporary directory) that adds ``/bench/minimal/``
(a view that returns a short text response, no database) to the portal's URLs. An aiohttp
client with ``--clients`` concurrent connections hits each URL for ``--seconds`` seconds.

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
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _database_create(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


async def _load(url: str, *, clients: int, seconds: float) -> tuple[float, list[float], int]:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, errors


def _p95_ms(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[94] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--scale", type=float, default=1.0, help="x 2,000 past alerts")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    parser.add_argument("--database", default="cp_bench_alert_pages")
    parser.add_argument("--postgres", default="postgres://root@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    print(f"load average at start: {_loadavg()}", flush=True)
    modules = Path(tempfile.mkdtemp(prefix="bench-alert-pages-"))
    (modules / "bench_alert_settings.py").write_text(SETTINGS)
    (modules / "bench_alert_urls.py").write_text(URLS)
    database_url = _database_create(args.postgres, args.database)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EMAIL_", "NOTIFICATIONS_", "CELERY_", "DATABASE_", "ALERTS_"))
    }
    env.update(
        PYTHONPATH=f"{modules}{os.pathsep}{ROOT}",
        DJANGO_SETTINGS_MODULE="bench_alert_settings",
        DATABASE_URL=database_url,
        DATABASE_POOL_MIN_SIZE="1",
        DATABASE_POOL_MAX_SIZE="4",
        REDIS_URL=args.redis,
        CELERY_TASK_ALWAYS_EAGER="1",  # no worker: the fan-out (nobody subscribed) runs inline
        SECRET_KEY="bench-secret-key-not-for-production",
        DEBUG="0",
        INSECURE_HTTP="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        FAST_PASSWORD_HASHER="1",
        LOG_LEVEL="WARNING",
        NOTIFICATIONS_SOCIAL_BACKENDS="recording",
    )
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(modules))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )

    import django

    django.setup()
    from datetime import timedelta

    import redis
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from alerts import services
    from alerts.models import Alert, AlertMessage
    from civicportal.accounts import roles
    from civicportal.accounts.models import Area, User

    redis.Redis.from_url(args.redis).flushdb()
    roles.ensure_role_groups()
    author = User.objects.create(email="author@council.example", is_staff=True)
    approver = User.objects.create(email="approver@council.example", is_staff=True)
    author.groups.add(Group.objects.get(name=roles.ALERT_AUTHOR))
    approver.groups.add(Group.objects.get(name=roles.ALERT_APPROVER))
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
        services.alert_approve(actor=approver, message=message)
    past = timezone.now() - timedelta(days=1)
    Alert.objects.update(expires_at=past)
    AlertMessage.objects.update(expires=past)
    services.alerts_expire()
    alert = services.alert_draft_create(actor=author, content=content("Flooding in Harbourside"))
    message = alert.messages.get()
    services.alert_submit_for_approval(actor=author, message=message)
    services.alert_approve(actor=approver, message=message)
    update = services.alert_update(actor=author, alert=alert, content=content("Flood: update"))
    services.alert_approve(actor=approver, message=update)
    print(f"published {history + 1:,} alerts in {time.perf_counter() - started:.1f} s", flush=True)

    port = _free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "civicportal.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--log-level", "warning", "--backlog", "2048",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bench_alert_settings"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
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
        results = {}
        for name, path in targets.items():
            asyncio.run(_load(base + path, clients=5, seconds=1))  # warm up every worker
            rps, latencies, errors = asyncio.run(
                _load(base + path, clients=args.clients, seconds=args.seconds)
            )
            results[name] = (rps, _p95_ms(latencies), errors, len(latencies))
            print(f"{name:<26} {rps:>8.0f} req/s  p95 {results[name][1]:>7.1f} ms  "
                  f"({len(latencies):,} requests, {errors} errors)", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(20)

    baseline = results["baseline (minimal view)"][0]
    pages = [results["home page with banner"], results["alert page"]]
    ratio = min(rps for rps, *_ in pages) / baseline
    p95 = max(p for _, p, *_ in pages)
    print(f"load average at end: {_loadavg()}")
    print(f"RESULT rps_ratio={ratio:.2f} p95_ms={p95:.1f}")


if __name__ == "__main__":
    main()
