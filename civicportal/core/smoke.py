"""The embedded default, end to end: ``python -m civicportal.core.smoke`` (``make smoke``).

Migrates the configured database, seeds the demo city, runs a task in-process and requests
the pages a newcomer sees first. Exits with status 1 and says what failed if any page does
not answer 200. Meant for the embedded default (SQLite, tasks in-process), with static files
collected beforehand (``make smoke`` does both).
"""

from __future__ import annotations

import io
import os
import sys
import uuid

PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/healthz",
    "/api/v1/areas/",
    "/api/schema/",
    "/api/docs/",
]


def _host() -> str:
    """A host name the settings allow, so DEBUG-off host validation passes."""
    from django.conf import settings

    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return host
    return "localhost"


def _check_task() -> str | None:
    from civicportal.core.services import ping_answer
    from civicportal.core.tasks import ping_task

    token = uuid.uuid4().hex
    ping_task.delay(token)
    if ping_answer(token=token) is None:
        return (
            "the ping task left no answer: tasks do not run in-process "
            "(is CELERY_TASK_ALWAYS_EAGER off without a worker?)"
        )
    return None


def _check_pages() -> list[str]:
    from django.test import Client

    host = _host()
    failures = []
    for path in PAGES:
        # A fresh client each time: a request that raised must not taint the next one.
        client = Client(SERVER_NAME=host)
        try:
            response = client.get(path)
        except Exception as exc:  # report every broken page, not only the first
            failures.append(f"GET {path} raised {type(exc).__name__}: {exc}")
            continue
        if response.status_code != 200:
            detail = response.content[:300].decode(errors="replace").strip()
            failures.append(f"GET {path} answered {response.status_code}: {detail}")
        else:
            print(f"  ok  GET {path}")
    return failures


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicportal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    print(f"Smoke test on {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    call_command("migrate", interactive=False, verbosity=0)
    print("  ok  migrate")
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())  # credentials not needed
    print("  ok  seed_demo")
    failures = []
    task_failure = _check_task()
    if task_failure:
        failures.append(task_failure)
    else:
        print("  ok  a task ran in-process")
    failures += _check_pages()
    if failures:
        print("\nSMOKE TEST FAILED:", file=sys.stderr)
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    print("Smoke test passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
