"""Real servers for the notification tests: an SMTP sink and an HTTP sink on loopback, a
Celery worker.

Nothing of our own stack is faked (STYLE §5): the worker is ``celery worker`` in a
subprocess on the pytest PostgreSQL database and the test Redis; only the far side (a mail
relay) is stood in for, by a real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from aiosmtpd.controller import Controller

from tests.notifications.servers import HttpSink

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = BASE_DIR / ".venv" / "bin" / "celery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout:g} s waiting for {what}.")


# --- SMTP sink --------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    to: tuple[str, ...]
    message_id: str
    message: Message


class _SinkHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.delay:  # a slow relay; other connections go on meanwhile
            await asyncio.sleep(self.sink.delay)
        with self.sink.lock:
            if self.sink.defer_next > 0:
                self.sink.defer_next -= 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.original_content)
            self.sink.received.append(
                Received(
                    to=tuple(envelope.rcpt_tos),
                    message_id=message["Message-ID"],
                    message=message,
                )
            )
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on 127.0.0.1 that records every accepted message.

    ``defer_next`` answers that many DATA commands with 451; RCPT to ``nobody@…`` gets 550.
    ``delay`` (seconds) holds each message before accepting it, like a slow relay.
    """

    def __init__(self, port: int | None = None, *, delay: float = 0.0) -> None:
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.defer_next = 0
        self.delay = delay
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self._controller = Controller(_SinkHandler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def count(self) -> int:
        with self.lock:
            return len(self.received)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running sink; ``smtp_sink.stop()``/``start()`` take it down and up on its port."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def http_sink(settings) -> Iterator[HttpSink]:
    """An HTTP server on 127.0.0.1 recording requests (push service, gateway, Mastodon).

    The outbound guard refuses loopback unless ``OUTBOUND_ALLOW_LOOPBACK``: on here, and in
    the workers these tests start (``worker_env`` copies it).
    """
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    """This test process sends through the sink too (for calls of the services in-process)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return settings


# --- Broker -----------------------------------------------------------------------------


@pytest.fixture
def broker(settings, _celery_workers) -> Iterator[redis.Redis]:
    """The real broker's Redis, with every queue emptied before and after the test.

    The session's shared worker (tests/conftest.py) is stopped first, so that what a test
    enqueues stays in the queue for it to read.
    """
    _celery_workers.stop()
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    client.delete(*queues)
    yield client
    client.delete(*queues)
    client.close()


# --- Celery worker ----------------------------------------------------------------------


def worker_env(settings, **extra: str) -> dict[str, str]:
    """The environment of a worker that uses this test's database, Redis and settings."""
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EMAIL_", "NOTIFICATIONS_", "CELERY_", "DATABASE_"))
    }
    env.update(
        {
            # pytest-django has switched NAME to the test database (test_<name>).
            "DATABASE_URL": f"postgres://{credentials}@{host}:{port}/{db['NAME']}",
            "DATABASE_POOL_MIN_SIZE": "1",
            "DATABASE_POOL_MAX_SIZE": "4",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "FAST_PASSWORD_HASHER": "1",
            "INSECURE_HTTP": "1",
            "DEBUG": "0",
            "LOG_FORMAT": "text",
            "NOTIFICATIONS_CHUNK_SIZE": str(settings.NOTIFICATIONS_CHUNK_SIZE),
            # The far sides here are servers on 127.0.0.1 (see ``http_sink``).
            "OUTBOUND_ALLOW_LOOPBACK": "1" if settings.OUTBOUND_ALLOW_LOOPBACK else "0",
        }
    )
    env.update(extra)
    if "EMAIL_URL" not in env and "EMAIL_BACKEND" not in env:
        # With DEBUG off the portal needs a way to send email; this worker sends none.
        env["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    return env


class Worker:
    """``celery -A civicportal worker`` (2 processes) in its own process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.nodename = f"notify-{uuid.uuid4().hex[:8]}@%h"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Worker:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(CELERY), "-A", "civicportal", "worker",
                    "--concurrency=2", "--loglevel=INFO",
                    "-n", self.nodename, "--without-mingle", "--without-gossip",
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: we stop parent and children
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"The Celery worker exited ({self.process.returncode}) before it was "
                    f"ready:\n{self.output()}"
                )
            if " ready." in self.log.read_text(errors="replace"):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"The Celery worker was not ready in {timeout} s:\n{self.output()}")

    def output(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no output)"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pgid = os.getpgid(self.process.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # Children that outlived their parent must not keep database connections open.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


@pytest.fixture
def celery_worker(
    transactional_db, settings, broker, tmp_path, _celery_workers
) -> Iterator[Callable[..., Worker]]:
    """Start a real worker with ``celery_worker(EMAIL_URL=..., OTHER_SETTING=...)``.

    Depends on ``transactional_db`` so that the worker, which reads committed rows only,
    is stopped before pytest-django empties the tables. The session's shared worker (see
    tests/conftest.py) is stopped first: it has another environment and would otherwise
    take some of this test's tasks.
    """
    _celery_workers.stop()
    workers: list[Worker] = []

    def start(**extra_env: str) -> Worker:
        worker = Worker(worker_env(settings, **extra_env), tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
