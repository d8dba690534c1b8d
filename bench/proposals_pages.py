"""Server time of the idea list (every sort) and of an idea page at city scale (issue 4).

    .venv/bin/python bench/proposals_pages.py [--scale 1.0] [--requests 40] [--keep]

Builds its own PostgreSQL database (``cp_bench_proposals`` on the server of
``BENCH_DATABASE_URL``, default postgres://root@127.0.0.1:5432), migrates it and fills it
with bulk SQL: 100,000 ideas, 1,000,000 votes by 20,000 residents and 200,000 points
(times ``--scale``), with counters computed from the rows and each idea's place in the
random order (``shuffle_key``) drawn from a hash of its number. Then, in-process with
``django.test.Client`` signed in as a resident (the list then also looks up their own
votes), it times ``--requests`` list pages per sort (random pages of 20 among the first
50) and as many idea pages, and counts the queries of each (the most any page did, list
or idea page, is the RESULT's ``queries_per_page_max``).

Target: p95 under 50 ms for every sort, random included. Last line:
``RESULT list_p95_ms_max=… idea_p95_ms=… queries_per_page_max=…``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/postgres")
DB_NAME = "cp_bench_proposals"


def database_url(name: str) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def setup_django() -> None:
    os.environ.update(
        DATABASE_URL=database_url(DB_NAME),
        DJANGO_SETTINGS_MODULE="civicportal.settings",
        SECRET_KEY="bench-secret-key-not-for-production",
        # DEBUG off needs a census key of its own and an email backend (none sends
        # mail here).
        CENSUS_HASH_KEY="bench-census-key-not-for-production",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEBUG="0",
        INSECURE_HTTP="1",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def fill(scale: float) -> dict[str, int]:
    from django.db import connection

    ideas = int(100_000 * scale)
    residents = max(int(20_000 * scale), 50)
    votes_per_idea = 10
    points_per_idea = 2
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO accounts_area (name, slug, description)
            SELECT 'Area ' || g, 'area-' || g, '' FROM generate_series(1, 10) g;
            INSERT INTO proposals_category (name, slug, description, "order")
            SELECT 'Category ' || g, 'category-' || g, '', g FROM generate_series(1, 8) g;
            """
        )
        cur.execute(
            """
            INSERT INTO accounts_user (password, email, display_name, preferred_language,
                is_staff, is_active, is_superuser, date_joined)
            SELECT '!', 'resident' || g || '@bench.example', 'Resident ' || g, 'en',
                false, true, false, now()
            FROM generate_series(1, %s) g
            """,
            [residents],
        )
        cur.execute(
            """
            INSERT INTO proposals_idea (moderation_state, title, body, body_html, summary,
                category_id, area_id, author_id, image, image_description, status,
                official_response, official_response_html, support_count, oppose_count,
                points_for_count, points_against_count, trending_score, shuffle_key,
                created_at, last_activity_at)
            SELECT
                CASE WHEN g %% 200 = 0 THEN 'hidden' ELSE 'visible' END,
                'Idea ' || g || ': better ' || (ARRAY['benches','buses','lights','parks',
                    'paths','bins','trees','crossings'])[1 + g %% 8],
                repeat('Residents would like this change in their street. ', 6),
                '<p>' || repeat('Residents would like this change in their street. ', 6)
                    || '</p>',
                left(repeat('Residents would like this change in their street. ', 6), 199)
                    || '…',
                (SELECT min(id) FROM proposals_category) + g %% 8,
                CASE WHEN g %% 4 = 0 THEN NULL
                     ELSE (SELECT min(id) FROM accounts_area) + g %% 10 END,
                (SELECT min(id) FROM accounts_user) + g %% %s,
                '', '',
                (ARRAY['submitted','submitted','submitted','under_review','accepted',
                    'in_progress','implemented','not_accepted'])[1 + g %% 8],
                '', '', 0, 0, 0, 0, 0,
                (g::bigint * 2654435761) %% 2147483647,
                now() - (g || ' minutes')::interval * 5,
                now() - (g || ' minutes')::interval * 5
            FROM generate_series(1, %s) g
            """,
            [residents, ideas],
        )
        # Votes: idea i gets votes from residents (i*7 + k*13) mod N, k < 10: distinct pairs.
        cur.execute(
            """
            INSERT INTO proposals_ideavote (idea_id, user_id, value, created_at, updated_at)
            SELECT i.id,
                   u0 + ((i.id * 7 + k * 13 + (i.id %% 5) * k) %% %s),
                   CASE WHEN (i.id + k) %% 4 = 0 THEN 'oppose' ELSE 'support' END,
                   now(), now()
            FROM proposals_idea i,
                 generate_series(0, %s - 1) k,
                 (SELECT min(id) AS u0 FROM accounts_user) users
            WHERE k < 1 + (i.id * 2654435761 %% 19)
            """,
            [residents, votes_per_idea * 2 - 1],
        )
        cur.execute(
            """
            INSERT INTO proposals_point (moderation_state, idea_id, author_id, side, text,
                helpful_count, unhelpful_count, created_at)
            SELECT 'visible', i.id, u0 + (i.id * 3 + k) %% %s,
                   CASE WHEN k = 0 THEN 'for' ELSE 'against' END,
                   'A point ' || k || ' about idea ' || i.id, (i.id + k) %% 7, (i.id * k) %% 3,
                   now()
            FROM proposals_idea i, generate_series(0, %s - 1) k,
                 (SELECT min(id) AS u0 FROM accounts_user) users
            """,
            [residents, points_per_idea],
        )
        cur.execute(
            """
            UPDATE proposals_idea i SET
                support_count = v.support, oppose_count = v.oppose
            FROM (SELECT idea_id,
                         count(*) FILTER (WHERE value = 'support') AS support,
                         count(*) FILTER (WHERE value = 'oppose') AS oppose
                  FROM proposals_ideavote GROUP BY idea_id) v
            WHERE v.idea_id = i.id;
            UPDATE proposals_idea i SET
                points_for_count = p.pf, points_against_count = p.pa
            FROM (SELECT idea_id, count(*) FILTER (WHERE side = 'for') AS pf,
                         count(*) FILTER (WHERE side = 'against') AS pa
                  FROM proposals_point GROUP BY idea_id) p
            WHERE p.idea_id = i.id;
            UPDATE proposals_idea SET trending_score =
                log(greatest(support_count, 1)) +
                extract(epoch FROM created_at - '2024-01-01T00:00:00Z'::timestamptz) / 259200;
            """
        )
        cur.execute("VACUUM ANALYZE")
        cur.execute("SELECT count(*) FROM proposals_ideavote")
        votes = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM proposals_point")
        points = cur.fetchone()[0]
    print(
        f"filled: {ideas:,} ideas, {votes:,} votes, {points:,} points, {residents:,} residents "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return {"ideas": ideas, "votes": votes, "points": points}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(requests: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from civicportal.accounts.models import User
    from proposals.models import Idea

    client = Client()
    viewer = User.objects.order_by("pk").first()
    client.force_login(viewer)
    rng = random.Random(4)
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    list_p95s, queries_max = [], 0
    with override_settings(STORAGES=storages):
        client.get("/ideas/")  # warm up: templates, the session's random seed
        print(f"{'page':<22}{'median ms':>10}{'p95 ms':>9}{'queries':>9}")
        for sort in ("random", "top", "newest", "trending", "debated"):
            times, queries = [], 0
            for _ in range(requests):
                url = f"/ideas/?sort={sort}&page={rng.randint(1, 50)}"
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                queries = max(queries, len(captured))
            p95 = percentile(times, 95)
            list_p95s.append(p95)
            queries_max = max(queries_max, queries)
            print(f"{'list ' + sort:<22}{statistics.median(times):>10.1f}{p95:>9.1f}{queries:>9}")
        ids = list(
            Idea.objects.filter(moderation_state="visible").values_list("pk", flat=True)[:5000]
        )
        times, queries = [], 0
        for _ in range(requests):
            pk = rng.choice(ids)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(f"/ideas/{pk}/")
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            queries = max(queries, len(captured))
        idea_p95 = percentile(times, 95)
        queries_max = max(queries_max, queries)
        print(f"{'idea page':<22}{statistics.median(times):>10.1f}{idea_p95:>9.1f}{queries:>9}")
    return max(list_p95s), idea_p95, queries_max


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 ideas")
    parser.add_argument("--requests", type=int, default=40, help="requests per page kind")
    parser.add_argument("--keep", action="store_true", help="reuse the filled database")
    args = parser.parse_args()
    if not args.keep:
        recreate_database()
    setup_django()
    from django.core.management import call_command

    if not args.keep:
        call_command("migrate", verbosity=0)
        fill(args.scale)
    try:
        load = os.getloadavg()
        print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    except OSError:
        pass
    list_p95, idea_p95, queries = measure(args.requests)
    print(
        f"RESULT list_p95_ms_max={list_p95:.1f} idea_p95_ms={idea_p95:.1f} "
        f"queries_per_page_max={queries}"
    )


if __name__ == "__main__":
    main()
