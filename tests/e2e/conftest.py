"""Browser journeys: headless Chromium (Debian's /usr/bin/chromium) against a live server.

They run on both databases: on PostgreSQL with Redis and real workers (``DATABASE_URL`` and
``REDIS_URL`` set), and on the embedded default that ``make run`` gives a newcomer (neither
set: SQLite, tasks run in-process when the request that starts them commits). A journey
that needs a real Celery worker (it asks for ``celery_worker_process`` or ``job_worker``, or
is marked ``worker``) is skipped on the embedded default, which has none.

Playwright's sync API runs an event loop in the test thread, which makes Django's
async-safety guard refuse ORM calls made by the test itself; the live server answers from
its own thread, so allowing them is safe here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
PLAIN_STATIC_STORAGE = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Fixtures that start a real Celery worker (tests/conftest.py, tests/job_workers.py).
WORKER_FIXTURES = frozenset({"celery_worker_process", "job_worker", "_celery_workers"})
EMBEDDED_SKIP_REASON = (
    "needs a real Celery worker, which shares the test database through DATABASE_URL "
    "(PostgreSQL); the embedded default (SQLite) has no worker and runs tasks in-process"
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "worker: a browser journey that needs a real Celery worker (skipped on the embedded "
        "default, SQLite with tasks in-process)",
    )


def embedded_default() -> bool:
    """The embedded default: no DATABASE_URL, so SQLite (and no worker can share it)."""
    return not os.environ.get("DATABASE_URL")


def pytest_collection_modifyitems(config, items):
    # A missing browser must fail the run, not skip the journeys quietly: a skipped browser
    # test shows nothing. `.ci/run` installs Chromium; the README says how.
    browser_missing = not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists()
    if browser_missing and any("e2e" in item.keywords for item in items):
        raise pytest.UsageError(
            f"Chromium not found at {CHROMIUM}: the browser tests need it "
            "(apt-get install chromium, or set E2E_CHROMIUM to its path)."
        )
    if embedded_default():
        for item in items:
            if item.get_closest_marker("e2e") is None:
                continue
            needs_worker = item.get_closest_marker("worker") or WORKER_FIXTURES.intersection(
                getattr(item, "fixturenames", ())
            )
            if needs_worker:
                item.add_marker(pytest.mark.skip(reason=EMBEDDED_SKIP_REASON))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """On the embedded default, the test database is a file beside SQLITE_PATH, as the
    portal's own is, instead of Django's in-memory default: the live server and the test
    then use connections of their own, as two requests do, rather than sharing one."""
    from django.db import connections

    database = connections["default"].settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database["TEST"]["NAME"]:
        path = Path(database["NAME"])
        database["TEST"]["NAME"] = str(path.with_name(f"test_{path.name}"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory, django_db_blocker):
    """The static files as a deployment serves them, collected once per session.

    The live server serves STATIC_ROOT itself, like the web server in front of a deployment.
    """
    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.mktemp("static")
    from django.conf import settings

    storages = {**settings.STORAGES, "staticfiles": PLAIN_STATIC_STORAGE}
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture(autouse=True)
def _serve_collected_static(settings, collected_static):
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PLAIN_STATIC_STORAGE}
    settings.LANGUAGE_CODE = "en"
    # The live server speaks plain HTTP, so links in emails must too.
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"


@pytest.fixture
def site(live_server, transactional_db):
    """The live server's base URL, with committed data visible to it."""
    return live_server.url
