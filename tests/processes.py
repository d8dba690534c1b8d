"""Real helper processes for tests: a Redis server and a Celery worker.

Tests fake nothing of our own stack (STYLE §5): a worker test starts ``celery worker`` as a
subprocess against the pytest database and Redis, and a "broker down" test starts its own
``redis-server`` on a free loopback port and stops it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no output)"


def _stop(process: subprocess.Popen, timeout: float) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class RedisServer:
    """A throwaway ``redis-server`` on a free loopback port, with no persistence."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.log = workdir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> RedisServer:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed; these tests need a real Redis.")
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    executable,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", str(self.workdir),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                if client.ping():
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"redis-server on port {self.port} did not answer PING within {timeout} s.\n"
            f"{_log_tail(self.log)}"
        )

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process, timeout=10)


def database_url_for(base_url: str, test_database_name: str) -> str:
    """``base_url`` with its database name replaced by pytest's test database."""
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=f"/{test_database_name}"))


class CeleryWorker:
    """``celery -A civicportal worker`` in a subprocess: the prefork pool of production, one child.

    ``env`` is added to this process's environment; pass DATABASE_URL, REDIS_URL and
    CELERY_BROKER_URL so that the worker uses the same database and broker as the test.
    """

    def __init__(
        self, workdir: Path, env: dict[str, str], *, queues: list[str] | None = None
    ) -> None:
        self.workdir = workdir
        self.env = env
        self.queues = queues  # None: every queue, as a worker started without --queues
        self.nodename = f"test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        self.log = workdir / f"celery-{self.nodename.split('@')[0]}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> CeleryWorker:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, "CELERY_TASK_ALWAYS_EAGER": "0", "LOG_FORMAT": "text"}
        if "EMAIL_URL" in self.env and "EMAIL_BACKEND" not in self.env:
            # The test's SMTP sink, not the session's in-memory backend (which would win).
            env.pop("EMAIL_BACKEND", None)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "civicportal", "worker",
                    "--pool=prefork", "--concurrency=1", "--loglevel=INFO",
                    "--hostname", self.nodename,
                    "--without-gossip", "--without-mingle",
                    *([f"--queues={','.join(self.queues)}"] if self.queues else []),
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"The Celery worker exited with code {self.process.returncode} before it "
                    f"was ready.\n{_log_tail(self.log)}"
                )
            if f"{self.nodename} ready." in self.log.read_text(errors="replace"):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"The Celery worker was not ready within {timeout} s.\n{_log_tail(self.log)}"
        )

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process, timeout=20)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def use_broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at another broker for the duration.

    The app reads ``broker_url`` once from settings into ``app.conf`` and keeps pooled
    connections, so overriding settings alone is not enough.
    """
    from civicportal.celery import app

    def reset_pools() -> None:
        from kombu import pools

        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        # kombu keeps process-wide pools too; a closed one left registered would fail the
        # next publish with "Acquire on closed pool".
        pools.reset()

    # app.conf reads Django's settings live; restore the override itself, not the value read
    # now (which may come from a settings override that ends after this block).
    changes = app.conf.changes
    had_override, previous = "broker_url" in changes, changes.get("broker_url")
    reset_pools()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset_pools()
        if had_override:
            changes["broker_url"] = previous
        else:
            changes.pop("broker_url", None)


def wait_for(predicate, *, timeout: float, interval: float = 0.1, message: str):
    """Poll ``predicate`` until it returns something truthy; fail with ``message`` if not."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(message)
        time.sleep(interval)
