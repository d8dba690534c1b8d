"""Benchmark: the staff results page and the CSV export of a large consultation.

    .venv/bin/python bench/consultation_results.py [--responses 50000] [--runs 7] [--keep]

It creates a PostgreSQL database of its own (``--database``, dropped first unless
``--keep`` finds it filled), migrates it, and loads one consultation with 20 questions of
every type (6 single choice, 4 multiple choice with "Other", 3 rating, 2 ranking, 3 yes/no,
2 free text) and ``--responses`` anonymous responses, generated in bulk with
``INSERT ... SELECT generate_series/random()`` (no ORM loop), then ``VACUUM ANALYZE``.

Measured, in-process with Django's test ``Client`` (no web server in front):

- ``results_page_ms``: rendering ``/staff/consultations/<slug>/results/`` as a consultation
  manager with two-factor authentication; median of ``--runs`` after one warm-up;
- ``export_s`` and ``export_peak_mb``: the CSV export in a fresh child process: pressing
  the export button (a background job, run in that process when the request commits, as
  without a broker), then downloading the job's file; wall time to the last byte, and that
  process's peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, Django
  and the interpreter included); its resident memory before the export is printed too.

Targets (issue 5): results page under 500 ms; export under 10 s with peak memory under
200 MB. The last line is ``RESULT results_page_ms=<x> export_s=<y> export_peak_mb=<z>``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "postgres://root@127.0.0.1:5432/cp_bench_consult"
SLUG = "bench-consultation"
QUESTION_PLAN = (
    ["single"] * 6 + ["multiple"] * 4 + ["rating"] * 3 + ["ranking"] * 2 + ["yes_no"] * 3
) + ["text"] * 2


def _environment(database_url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-secret-key-not-for-production",
            # DEBUG off needs a census key of its own and an email backend (none sends
            # mail here).
            "CENSUS_HASH_KEY": "bench-census-key-not-for-production",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DEBUG": "0",
            "INSECURE_HTTP": "1",
            "FAST_PASSWORD_HASHER": "1",
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
            "DATABASE_POOL_MIN_SIZE": "1",
        }
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicportal.settings")


def _setup(database_url: str) -> None:
    _environment(database_url)
    import django

    django.setup()
    from django.conf import settings

    # Plain static storage: the bench does not need collected, hashed static files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _load(responses: int) -> None:
    """One consultation, 20 questions, ``responses`` responses with answers, in bulk SQL."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from civicportal.accounts import roles
    from consultations.models import Answer, Choice, Consultation, Question, Response

    call_command("migrate", verbosity=0, interactive=False)
    now = timezone.now()
    consultation = Consultation.objects.create(
        title="Benchmark consultation",
        slug=SLUG,
        summary="Twenty questions.",
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=30),
        audience="everyone",
        is_published=True,
    )
    questions = []
    for order, kind in enumerate(QUESTION_PLAN, start=1):
        question = Question.objects.create(
            consultation=consultation,
            order=order,
            text=f"Question {order} ({kind})?",
            kind=kind,
            allow_other=kind == "multiple",
            allow_comment=kind == "yes_no" and order % 2 == 0,
            rating_min_label="Poor" if kind == "rating" else "",
            rating_max_label="Excellent" if kind == "rating" else "",
        )
        count = {"single": 4, "multiple": 5, "ranking": 4}.get(kind, 0)
        Choice.objects.bulk_create(
            Choice(question=question, order=i, label=f"Option {i + 1} of question {order}")
            for i in range(count)
        )
        questions.append(question)

    response_table = Response._meta.db_table
    answer_table = Answer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {response_table}
                (consultation_id, anon_token, created_at, updated_at, revision)
            SELECT %s, 'bench-' || n, %s - n * interval '30 seconds',
                   %s - n * interval '30 seconds', 1
            FROM generate_series(1, %s) AS n
            """,  # noqa: S608 - a table name only; the values are parameters
            [consultation.pk, now, now, responses],
        )
        responses_of = f"FROM {response_table} r WHERE r.consultation_id = {consultation.pk}"
        insert = f"INSERT INTO {answer_table} (response_id, question_id, choice_id, text, number)"
        for question in questions:
            choice_ids = list(question.choices.values_list("pk", flat=True))
            array = "ARRAY[" + ",".join(map(str, choice_ids)) + "]::bigint[]" if choice_ids else ""
            q = question.pk
            if question.kind == "single":
                cursor.execute(
                    f"{insert} SELECT r.id, {q}, ({array})[1 + floor(random() * "
                    f"{len(choice_ids)})::int], '', NULL {responses_of}"
                )
            elif question.kind == "multiple":
                for choice_id in choice_ids:
                    cursor.execute(
                        f"{insert} SELECT r.id, {q}, {choice_id}, '', NULL {responses_of} "
                        "AND random() < 0.4"
                    )
                cursor.execute(
                    f"{insert} SELECT r.id, {q}, NULL, 'Something else: ' || r.id, NULL "
                    f"{responses_of} AND random() < 0.05"
                )
            elif question.kind == "rating":
                cursor.execute(
                    f"{insert} SELECT r.id, {q}, NULL, '', 1 + floor(random() * 5)::int "
                    f"{responses_of} AND random() < 0.9"
                )
            elif question.kind == "ranking":
                cursor.execute(
                    f"{insert} SELECT r.id, {q}, c.choice_id, '', "  # noqa: S608 - table names and ids only, no input
                    "row_number() OVER (PARTITION BY r.id ORDER BY random()) "
                    f"FROM {response_table} r CROSS JOIN unnest({array}) AS c(choice_id) "
                    f"WHERE r.consultation_id = {consultation.pk}"
                )
            elif question.kind == "yes_no":
                comment = "CASE WHEN random() < 0.1 THEN 'Comment ' || r.id ELSE '' END"
                cursor.execute(
                    f"{insert} SELECT r.id, {q}, NULL, "
                    f"{comment if question.allow_comment else chr(39) * 2}, "
                    f"(random() < 0.6)::int {responses_of}"
                )
            else:
                cursor.execute(
                    f"{insert} SELECT r.id, {q}, NULL, 'A written answer about parks, paths "
                    f"and lights, number ' || r.id, NULL {responses_of} AND random() < 0.4"
                )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM " + answer_table)  # noqa: S608 - table names and ids only, no input
        answers = cursor.fetchone()[0]
    connection.close()
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as raw:
        raw.execute("VACUUM ANALYZE")
    roles.ensure_role_groups()
    print(f"loaded: {responses:,} responses, {answers:,} answer rows, 20 questions", flush=True)


def _manager():
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from consultations.roles import CONSULTATION_MANAGER

    User = get_user_model()
    user, created = User.objects.get_or_create(
        email="bench-manager@example.org", defaults={"is_staff": True}
    )
    if created:
        user.groups.add(Group.objects.get_or_create(name=CONSULTATION_MANAGER)[0])
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    return user


def _client():
    from django.test import Client

    client = Client()
    client.force_login(_manager())
    return client


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child_export(database_url: str) -> None:
    """Run in a fresh process: export the CSV (start the job, download its file), report
    time and peak memory as JSON."""
    import resource
    import tempfile

    _setup(database_url)
    from django.conf import settings

    client = _client()
    url = f"/staff/consultations/{SLUG}/results/export/"
    before = _rss_mb()
    with tempfile.TemporaryDirectory() as private:
        settings.PRIVATE_MEDIA_ROOT = Path(private)  # the export job's file, thrown away after
        started = time.perf_counter()
        # The button starts a background job; without a broker (as here) it runs in this
        # process when the request commits. Then the file is downloaded from the job.
        started_job = client.post(url)
        assert started_job.status_code == 302, started_job.status_code
        response = client.get(started_job["Location"] + "download/")
        assert response.status_code == 200, response.status_code
        size, rows, elapsed = _read_all(response, started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_mb": peak,
                "rss_before_mb": before,
                "bytes": size,
                "rows": rows,
            }
        )
    )


def _read_all(response, started: float) -> tuple[int, int, float]:
    size = rows = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    return size, rows, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--keep", action="store_true", help="reuse a database already loaded")
    parser.add_argument("--child-export", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export:
        _child_export(args.database)
        return

    if not args.keep:
        _recreate_database(args.database)
    _setup(args.database)
    from consultations.models import Consultation

    if not args.keep or not Consultation.objects.filter(slug=SLUG).exists():
        started = time.perf_counter()
        _load(args.responses)
        print(f"load took {time.perf_counter() - started:.1f} s", flush=True)
    from django.db import connection

    client = _client()
    url = f"/staff/consultations/{SLUG}/results/"
    response = client.get(url)  # warm-up
    assert response.status_code == 200, response.status_code
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    page_ms = statistics.median(timings)
    print(
        f"results page: median {page_ms:.0f} ms of {args.runs} (min {min(timings):.0f}, "
        f"max {max(timings):.0f}); {len(queries)} queries; {len(response.content):,} bytes",
        flush=True,
    )

    child = subprocess.run(
        [sys.executable, __file__, "--child-export", "--database", args.database],
        capture_output=True,
        text=True,
        check=True,
    )
    export = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"export: {export['seconds']:.2f} s, {export['rows']:,} lines, {export['bytes']:,} bytes; "
        f"peak RSS {export['peak_mb']:.0f} MB (RSS before the export {export['rss_before_mb']:.0f} MB)",
        flush=True,
    )
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        f"RESULT results_page_ms={page_ms:.0f} export_s={export['seconds']:.2f} "
        f"export_peak_mb={export['peak_mb']:.0f}"
    )


if __name__ == "__main__":
    main()
