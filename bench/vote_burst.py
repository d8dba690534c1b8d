"""The last hour before a deadline: 32 signed-in residents voting at once (issue 4).

    .venv/bin/python bench/vote_burst.py [--clients 32] [--seconds 30] [--ideas 40]
        [--baseline-ideas 1000] [--worker-class sync] [--workers 3] [--threads 1]
        [--rounds 10] [--plain]

Builds its own PostgreSQL database (``cp_bench_votes``; server from ``BENCH_DATABASE_URL``),
migrates it, creates the residents and ideas, and starts gunicorn on it with *this file*
as the settings module: it is CivicPortal's settings plus a URLconf adding one bare view,
``/bench/baseline-vote/``, that only inserts a vote row. The baseline lives here, not in
the product. The cache is Redis (``BENCH_REDIS_URL``, default database 11, flushed
first), as in production, so the vote rate limit costs its real round trip.

gunicorn runs as the portal ships it (Dockerfile, docker-compose.yml): three sync workers,
one request at a time each, a new connection per request; on the 2-core machine the
targets were set on, the third covers the time the others wait for PostgreSQL or Redis.
``--worker-class gthread --workers 2 --threads 2`` measures threaded workers instead
(kept-alive connections, but the threads of a process queue for the interpreter lock,
holding row locks while they wait). Both phases use the same server.

Every client is a signed-in resident with its own session cookie and CSRF token, in a
closed loop (the lean asyncio client of support.py: it leaves the cores to the server),
in two kinds of phases of ``--seconds`` each in all, alternating in ``--rounds`` rounds
(baseline, real, real, baseline, ...; 3 s slices by default: with 5 s slices the ratio of
unchanged code ranged 0.67-0.81 over seven runs, with 3 s slices 0.71-0.74) so that a
change of speed or load of a shared machine weighs on both alike:

1. baseline: POST /bench/baseline-vote/: insert one row, nothing else. Each resident
   inserts a new row every time (it walks through ``--baseline-ideas`` ideas of its own
   order), so the baseline pays for a write and its commit as a vote does;
2. real: POST /ideas/<id>/vote/ with support (70 %) or oppose on random ideas, as the
   idea page does it with JavaScript: an htmx request answered with the vote panel (CSRF,
   rate limit, rules, vote row, counters, the panel, all of it). ``--plain`` votes as a
   browser without JavaScript instead (a 302 to the idea page; the client then drops the
   flash message the page would have shown, else it piles up in its cookie).

The clients vote far faster than any resident would, so the bench raises the vote rate
limit (``PROPOSALS_VOTE_RATE_LIMIT=1000000``): the check still runs on every vote but
never refuses. It also reports the CPU each request cost the clients, gunicorn and
PostgreSQL (from /proc).

Then it compares the stored counters and vote rows with what each resident last sent:
``lost`` are votes sent and acknowledged but missing, ``double`` votes counted more than
once. Targets: real at least 0.7 times the baseline's requests per second, p99 < 100 ms,
nothing lost or doubled. Last line: ``RESULT vote_rps_ratio=… p99_ms=… lost=… double=…``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from support import (
    assets_build,
    closed_loop,
    cpu_seconds,
    free_port,
    http_exchange,
    http_request,
    process_tree,
)

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

# --- As a settings module (gunicorn imports this file by name) ------------------------------

if __name__ != "__main__":
    from civicportal.settings import *  # noqa: F403

    ROOT_URLCONF = "vote_burst"

    from django.http import HttpResponse
    from django.urls import include, path

    def baseline_vote(request):
        """The floor: parse the POST and insert one vote row, nothing else."""
        from proposals.models import IdeaVote

        IdeaVote.objects.bulk_create(
            [
                IdeaVote(
                    idea_id=int(request.POST["idea"]),
                    user_id=request.user.pk,
                    value=request.POST["value"],
                )
            ],
            ignore_conflicts=True,
        )
        return HttpResponse(status=204)

    def __getattr__(name: str):
        """``urlpatterns`` on first use: the portal's URLconf needs the app registry ready."""
        if name == "urlpatterns":
            return [
                path("bench/baseline-vote/", baseline_vote),
                path("", include("civicportal.urls")),
            ]
        raise AttributeError(name)

# --- As a script --------------------------------------------------------------------------

if __name__ == "__main__":
    import argparse
    import asyncio
    import random
    import re
    import signal
    import socket
    import statistics
    import subprocess
    import time
    from collections import Counter
    from urllib.parse import urlsplit, urlunsplit

    SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/postgres")
    DB_NAME = "cp_bench_votes"

    def database_url(name: str) -> str:
        return urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{name}"))

    ENV = {
        "DATABASE_URL": database_url(DB_NAME),
        "SECRET_KEY": "bench-secret-key-not-for-production",
        # DEBUG off needs a census key of its own and an email backend (none sends
        # mail here).
        "CENSUS_HASH_KEY": "bench-census-key-not-for-production",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DEBUG": "0",
        "INSECURE_HTTP": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "DATABASE_POOL_MAX_SIZE": "6",
        "DISABLE_RATE_LIMITS": "1",
        "FAST_PASSWORD_HASHER": "1",
        # The cache is Redis, as in production: the vote rate limit costs its real round trip.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        # 32 clients in a closed loop vote far faster than any resident: the limit stays on
        # (its check is part of what is measured) but this high it never refuses.
        "PROPOSALS_VOTE_RATE_LIMIT": "1000000",
    }

    def backend_pids() -> list[int]:
        import psycopg

        with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [DB_NAME]
            ).fetchall()
        return [pid for (pid,) in rows]

    class CpuWatch:
        """CPU seconds spent by the bench's clients, gunicorn and PostgreSQL in one phase."""

        def __init__(self, server_pid: int) -> None:
            self.server = process_tree(server_pid)
            self.backends = {pid: cpu_seconds([pid]) for pid in backend_pids()}
            self.client = time.process_time()
            self.server_cpu = cpu_seconds(self.server)

        def stop(self) -> dict[str, float]:
            database = 0.0
            for pid in backend_pids():
                database += cpu_seconds([pid]) - self.backends.get(pid, 0.0)
            return {
                "client": time.process_time() - self.client,
                "server": cpu_seconds(self.server) - self.server_cpu,
                "database": database,
            }

    FORM = "application/x-www-form-urlencoded"

    def fetch(port: int, path: str, headers: dict[str, str]):
        """One GET outside the measured phases (the residents' first page, the warm-up)."""

        async def get():
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                request = http_request("GET", path, host=f"127.0.0.1:{port}", headers=headers)
                return await http_exchange(reader, writer, request)
            finally:
                writer.close()

        answer = asyncio.run(get())
        if answer.status != 200:
            raise SystemExit(f"GET {path} answered {answer.status}")
        return answer

    def prepare(clients: int, ideas: int, baseline_ideas: int):
        import psycopg

        with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        import redis

        redis.Redis.from_url(ENV["REDIS_URL"]).flushdb()
        os.environ.update(ENV, DJANGO_SETTINGS_MODULE="civicportal.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from civicportal.accounts.models import User
        from proposals.models import Category, Idea

        call_command("migrate", verbosity=0)
        category = Category.objects.create(name="Bench", slug="bench")
        author = User.objects.create_user(email="author@bench.example", password="x")
        real = [
            Idea.objects.create(title=f"Idea {n}", body="Body", category=category, author=author)
            for n in range(ideas)
        ]
        baseline = Idea.objects.bulk_create(
            Idea(title=f"Baseline {n}", body="Body", category=category)
            for n in range(baseline_ideas)
        )
        cookies = []
        for n in range(clients):
            user = User.objects.create_user(email=f"voter{n}@bench.example", password="x")
            client = Client()
            client.force_login(user)
            cookies.append((user.pk, client.cookies["sessionid"].value))
        return [i.pk for i in real], [i.pk for i in baseline], cookies

    def start_gunicorn(
        port: int, workers: int, threads: int, worker_class: str
    ) -> subprocess.Popen:
        env = {**os.environ, **ENV, "DJANGO_SETTINGS_MODULE": "vote_burst"}
        process = subprocess.Popen(
            [
                str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
                "civicportal.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                f"--threads={threads}",
                f"--worker-class={worker_class}",
                f"--pythonpath={BASE_DIR},{BASE_DIR / 'bench'}",
                "--log-level=warning",
            ],
            env=env,
            cwd=BASE_DIR,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return process
            except OSError:
                time.sleep(0.2)
        process.kill()
        raise SystemExit("gunicorn did not start within 60 s")

    def pct(values, q):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    def main() -> None:
        parser = argparse.ArgumentParser(description="Vote burst against gunicorn")
        parser.add_argument("--clients", type=int, default=32)
        parser.add_argument("--seconds", type=float, default=30)
        parser.add_argument("--ideas", type=int, default=40, help="ideas the residents vote on")
        parser.add_argument(
            "--baseline-ideas",
            type=int,
            default=1000,
            help="ideas the baseline inserts votes on (a new row each request until a "
            "resident has been through all of them)",
        )
        parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
        parser.add_argument(
            "--plain", action="store_true", help="vote as a browser without JavaScript (302)"
        )
        parser.add_argument("--rounds", type=int, default=10, help="alternations of the two phases")
        args = parser.parse_args()

        assets_build()  # gunicorn serves pages with DEBUG off: hashed static files, manifest
        real_ids, baseline_ids, cookies = prepare(args.clients, args.ideas, args.baseline_ideas)
        port = free_port()
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(
            f"gunicorn: {args.workers} {args.worker_class} workers x {args.threads} threads; "
            f"load at start: {load}"
        )
        server = start_gunicorn(port, args.workers, args.threads, args.worker_class)
        host = f"127.0.0.1:{port}"
        try:
            # Each resident opens an idea page once: its CSRF cookie, and the token the
            # page gives to htmx (portal.js sends it in a header with every vote).
            residents = []  # (user id, the Cookie header, the CSRF token)
            for user_id, session_cookie in cookies:
                page = fetch(
                    port, f"/ideas/{real_ids[0]}/", {"Cookie": f"sessionid={session_cookie}"}
                )
                csrf_cookie = next(
                    value.split(";", 1)[0]
                    for value in page.headers.get("set-cookie", [])
                    if value.startswith("csrftoken=")
                )
                token = re.search(rb'name="csrf-token" content="([^"]+)"', page.body).group(1)
                residents.append(
                    (user_id, f"sessionid={session_cookie}; {csrf_cookie}", token.decode())
                )

            # The baseline inserts a new row with every request: each resident walks its
            # own way through the baseline ideas (starting apart, so that no two residents
            # ask for the same row at once), and only a resident that has been through all
            # of them meets a row it inserted before.
            baseline_next = [n * len(baseline_ids) // len(residents) for n in range(len(residents))]

            def baseline(number):
                _user_id, cookie, token = residents[number]
                idea = baseline_ids[baseline_next[number] % len(baseline_ids)]
                baseline_next[number] += 1
                request = http_request(
                    "POST",
                    "/bench/baseline-vote/",
                    host=host,
                    headers={"Cookie": cookie, "X-CSRFToken": token, "Content-Type": FORM},
                    body=f"idea={idea}&value=support".encode(),
                )
                return request, lambda answer: answer.status == 204

            last_sent: dict[tuple[int, int], str] = {}
            rngs = [random.Random(number) for number in range(len(residents))]

            def real(number):
                user_id, cookie, token = residents[number]
                idea = rngs[number].choice(real_ids)
                value = "support" if rngs[number].random() < 0.7 else "oppose"
                headers = {"Cookie": cookie, "X-CSRFToken": token, "Content-Type": FORM}
                if not args.plain:
                    headers["HX-Request"] = "true"
                # Without JavaScript the answer is a redirect to the idea page, whose flash
                # message the browser would then show and drop: the client never sends the
                # messages cookie back, to the same effect.
                request = http_request(
                    "POST",
                    f"/ideas/{idea}/vote/",
                    host=host,
                    headers=headers,
                    body=f"value={value}".encode(),
                )

                def judge(answer):
                    if args.plain:
                        ok = answer.status == 302
                    else:
                        ok = answer.status == 200 and b"data-vote-status" in answer.body
                    if ok:
                        last_sent[(user_id, idea)] = value
                    return ok

                return request, judge

            for _user_id, cookie, _token in residents:  # warm every worker's connections
                fetch(port, f"/ideas/{real_ids[0]}/", {"Cookie": cookie})
            # The phases alternate in rounds (baseline, real, real, baseline, ...): on a
            # shared machine a change of load then weighs on both alike.
            kinds = {"baseline": baseline, "real": real}
            totals = {
                name: {"lat": [], "elapsed": 0.0, "fail": 0, "cpu": Counter()} for name in kinds
            }
            rounds = max(args.rounds, 1)
            for number in range(rounds):
                for name in list(kinds) if number % 2 == 0 else list(kinds)[::-1]:
                    watch = CpuWatch(server.pid)
                    elapsed, lat, fail = asyncio.run(
                        closed_loop(
                            "127.0.0.1",
                            port,
                            clients=len(residents),
                            seconds=args.seconds / rounds,
                            next_request=kinds[name],
                        )
                    )
                    total = totals[name]
                    total["cpu"].update(watch.stop())
                    total["lat"].extend(seconds * 1000 for seconds in lat)
                    total["elapsed"] += elapsed
                    total["fail"] += fail
            base_lat, base_elapsed, base_fail, base_cpu = totals["baseline"].values()
            real_lat, real_elapsed, real_fail, real_cpu = totals["real"].values()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

        from django.db.models import Count, Q

        from proposals.models import Idea, IdeaVote

        expected = Counter()
        for (_user, idea), value in last_sent.items():
            expected[(idea, value)] += 1
        lost = double = 0
        rows = {
            (r["idea_id"], r["value"]): r["n"]
            for r in IdeaVote.objects.filter(idea_id__in=real_ids)
            .values("idea_id", "value")
            .annotate(n=Count("id"))
        }
        for idea in Idea.objects.filter(pk__in=real_ids).annotate(
            s=Count("votes", filter=Q(votes__value="support")),
            o=Count("votes", filter=Q(votes__value="oppose")),
        ):
            for value, counter, row_count in (
                ("support", idea.support_count, idea.s),
                ("oppose", idea.oppose_count, idea.o),
            ):
                want = expected[(idea.pk, value)]
                for got in (counter, row_count):
                    lost += max(want - got, 0)
                    double += max(got - want, 0)
        print(f"vote rows on the real ideas: {sum(rows.values())}")

        base_rps = len(base_lat) / base_elapsed
        real_rps = len(real_lat) / real_elapsed
        try:
            load = os.getloadavg()
            print(
                f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
            )
        except OSError:
            pass
        print(f"{'phase':<10}{'requests':>10}{'rps':>9}{'median ms':>11}{'p99 ms':>9}{'failed':>8}")
        for name, lat, rps, fail in (
            ("baseline", base_lat, base_rps, base_fail),
            ("real", real_lat, real_rps, real_fail),
        ):
            print(
                f"{name:<10}{len(lat):>10}{rps:>9.1f}{statistics.median(lat):>11.1f}"
                f"{pct(lat, 99):>9.1f}{fail:>8}"
            )
        print("CPU ms per request:    client   server database")
        for name, lat, cpu in (("baseline", base_lat, base_cpu), ("real", real_lat, real_cpu)):
            n = max(len(lat), 1)
            print(
                f"{name:<20}{cpu['client'] / n * 1000:>9.2f}{cpu['server'] / n * 1000:>9.2f}"
                f"{cpu['database'] / n * 1000:>9.2f}"
            )
        print(f"distinct (resident, idea) votes acknowledged: {len(last_sent)}")
        print(
            f"RESULT vote_rps_ratio={real_rps / base_rps:.2f} p99_ms={pct(real_lat, 99):.1f} "
            f"lost={lost} double={double}"
        )

    main()
