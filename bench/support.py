"""Pieces the benchmarks share: building the static files, ports, /proc readings,
databases, the environment, Celery workers and what watches them, an SMTP sink, and a lean
closed-loop HTTP/1.1 load generator.

Imported by the scripts in this folder (run as ``python bench/<script>.py``, which puts
this folder on ``sys.path``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def assets_build() -> None:
    """Build the static files and translations a server with DEBUG off needs: ``make
    assets`` in the repository (npm packages from static/package-lock.json, compiled
    translations, collected static files with their manifest).

    A fresh clone after ``make install`` has none of them, and with DEBUG off every page
    then answers 500 ("Missing staticfiles manifest entry"), so each benchmark that serves
    pages calls this before it starts (about 12 s on the 2-core machine, even when nothing
    changed). DEBUG=0 and keys are set so that collectstatic writes the hashed files and the
    manifest, as the production image does, whatever the calling shell has set.
    """
    print("building static files and translations (make assets) ...", flush=True)
    started = time.perf_counter()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-build-only-not-a-secret",
        "CENSUS_HASH_KEY": "bench-build-only-not-a-secret",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    done = subprocess.run(
        ["make", "--no-print-directory", "assets"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(
            f"`make assets` failed (exit {done.returncode}) in {ROOT}:\n{done.stdout}{done.stderr}"
        )
    if not (Path(env.get("STATIC_ROOT") or ROOT / "var" / "static") / "staticfiles.json").exists():
        raise SystemExit("`make assets` left no staticfiles.json: pages would answer 500")
    print(f"static files and translations ready in {time.perf_counter() - started:.1f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, read from /proc in one pass."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    pids, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        pids.append(current)
        waiting.extend(children.get(current, []))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` (processes that already exited count nothing)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, field: str) -> int:
    """A kB field of /proc/<pid>/status (VmRSS, VmHWM); 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def database_create(server_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server; its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def database_backends(database: str) -> list[int]:
    """PostgreSQL backend processes connected to ``database`` (from their process titles)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                title = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres:") and f" {database} ".encode() in title:
                found.append(int(entry))
    return found


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- The environment ---------------------------------------------------------------------

# The portal's settings in every bench that starts it: production-like (DEBUG off) with
# throw-away keys, plain HTTP on loopback, and a small database pool per process.
BENCH_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "civicportal.settings",
    "DATABASE_POOL_MIN_SIZE": "1",
    "DATABASE_POOL_MAX_SIZE": "4",
    "SECRET_KEY": "bench-secret-key-not-for-production",
    "CENSUS_HASH_KEY": "bench-census-key-not-for-production",
    "DEBUG": "0",
    "INSECURE_HTTP": "1",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "FAST_PASSWORD_HASHER": "1",
}
# Settings the calling shell may have set for its own portal, which must not leak into
# the bench's (its mail, its channels, its broker, its database).
SHELL_PREFIXES_DROPPED = ("EMAIL_", "NOTIFICATIONS_", "CELERY_", "DATABASE_")


def worker_settings(redis_url: str) -> dict[str, str]:
    """What benches with real Celery workers add: the broker on the bench's own Redis
    database, tasks sent to it (never run inline), and the plain-text log whose " ready."
    line ``worker_wait_ready`` looks for."""
    return {"CELERY_BROKER_URL": redis_url, "CELERY_TASK_ALWAYS_EAGER": "0", "LOG_FORMAT": "text"}


def environment_use(
    *, database_url: str, redis_url: str, also_dropped: tuple[str, ...] = (), **settings: str
) -> dict[str, str]:
    """Make the bench's environment this process's (and so its subprocesses'), and return
    it: the calling shell's without ``SHELL_PREFIXES_DROPPED`` (and ``also_dropped``), then
    ``BENCH_SETTINGS``, the database and Redis, and ``settings``, which win."""
    dropped = SHELL_PREFIXES_DROPPED + also_dropped
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(BENCH_SETTINGS, DATABASE_URL=database_url, REDIS_URL=redis_url, **settings)
    os.environ.clear()
    os.environ.update(env)
    return env


def database_migrate() -> float:
    """``manage.py migrate`` on the environment's database; the seconds it took."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )
    return time.perf_counter() - started


# --- Celery workers ------------------------------------------------------------------------


def worker_start(args: list[str], *, name: str, log: Path) -> subprocess.Popen:
    """``celery <args>`` in a process group of its own (``worker_stop`` ends it, children
    included), as node ``<name>-<our pid>``, writing to ``log``. Without mingle and gossip,
    which only slow the start of a worker that has no peers to talk to."""
    with log.open("wb") as log_file:
        return subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "celery"), *args,
                "-n", f"{name}-{os.getpid()}@%h", "--without-mingle", "--without-gossip",
            ],
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def worker_wait_ready(worker: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited before it was ready; see {log}")
        if " ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise SystemExit(f"the worker was not ready in time; see {log}")


def worker_stop(worker: subprocess.Popen) -> None:
    """Stop a worker started in its own process group, children included."""
    if worker.poll() is None:
        os.killpg(os.getpgid(worker.pid), signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(os.getpgid(worker.pid), signal.SIGKILL)
            worker.wait(10)


class WorkerWatch(threading.Thread):
    """Samples every 0.2 s: the process trees of ``pids`` (their total VmRSS, keeping the
    peak, and each process's VmHWM) and, given a ``database``, the CPU time of its
    PostgreSQL backends (which come and go with the workers' connections; one that lives
    less than a sample is missed).
    """

    def __init__(self, pids: list[int], database: str | None = None) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.database = database
        self.peak_total_kb = 0
        self.hwm_kb: dict[int, int] = {}
        self.backend_cpu: dict[int, tuple[float, float]] = {}  # pid -> (first, last) seconds
        for backend in database_backends(database) if database else []:
            cpu = cpu_seconds([backend])
            self.backend_cpu[backend] = (cpu, cpu)
        self.stopping = threading.Event()

    def sample(self) -> None:
        pids = [p for pid in self.pids for p in process_tree(pid)]
        self.peak_total_kb = max(self.peak_total_kb, sum(status_kb(p, "VmRSS") for p in pids))
        for pid in pids:
            self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), status_kb(pid, "VmHWM"))
        for backend in database_backends(self.database) if self.database else []:
            cpu = cpu_seconds([backend])
            first, _last = self.backend_cpu.get(backend, (0.0, 0.0))
            self.backend_cpu[backend] = (first, cpu)

    def database_cpu_s(self) -> float:
        return sum(last - first for first, last in self.backend_cpu.values())

    def run(self) -> None:
        while not self.stopping.wait(0.2):
            self.sample()


# --- An SMTP sink (its own process, so that it does not share our GIL) -----------------------
#
# The sinks stand in for a mail relay, a push service and an SMS gateway, which run on other
# machines: here they share the 2 cores with what is measured, so they must cost as little
# as they can. aiosmtpd and http.server cost several times what these do (about 15 % of the
# machine during the alert benchmark), so the sinks are plain asyncio streams that speak
# just enough of the protocol, answering each command as a real server would.

_SMTP_EHLO = b"250-sink.invalid\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"


def _smtp_main(port: int, pipelining: bool, match, count, first, last, size, other, ready):
    """An SMTP server that counts accepted messages, stamping the first and the last.

    With ``pipelining`` it offers PIPELINING (RFC 2920), as production relays (Postfix,
    Exim, Amazon SES) do; commands are read one line at a time from a buffered stream, so
    pipelined commands are answered in order. With ``match``, only messages that contain it
    are counted and stamped; the others are counted in ``other``.
    """
    ehlo = _SMTP_EHLO + (b"250-PIPELINING\r\n" if pipelining else b"") + b"250 HELP\r\n"

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink.invalid ESMTP\r\n")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(ehlo)
                elif verb == b"DATA":
                    writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    content = await reader.readuntil(b"\r\n.\r\n")
                    now = time.time()
                    if match is not None and match not in content:
                        other.value += 1
                    else:
                        if count.value == 0:
                            first.value = now
                            size.value = len(content) - 3
                        count.value += 1
                        last.value = now
                    writer.write(b"250 2.0.0 OK\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 Bye\r\n")
                    break
                elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    writer.write(b"250 OK\r\n")
                else:
                    writer.write(b"502 Command not implemented\r\n")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(session, "127.0.0.1", port, limit=64 * 1024 * 1024)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


class SmtpSink:
    """The SMTP sink in a process of its own: ``count`` messages (those containing
    ``match``, when given; ``other`` the rest), the ``first`` and ``last`` arrival times, the
    ``size`` of the first."""

    def __init__(self, *, pipelining: bool = True, match: bytes | None = None) -> None:
        self.port = free_port()
        ctx = multiprocessing.get_context("spawn")
        self.count = ctx.RawValue("q", 0)
        self.first = ctx.RawValue("d", 0.0)
        self.last = ctx.RawValue("d", 0.0)
        self.size = ctx.RawValue("q", 0)
        self.other = ctx.RawValue("q", 0)
        ready = ctx.Event()
        self.process = ctx.Process(
            target=_smtp_main,
            args=(
                self.port, pipelining, match,
                self.count, self.first, self.last, self.size, self.other, ready,
            ),
            daemon=True,
        )  # fmt: skip
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")

    def reset(self) -> None:
        self.count.value, self.first.value, self.last.value, self.size.value = 0, 0.0, 0.0, 0
        self.other.value = 0

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


# --- Load generation -------------------------------------------------------------------
#
# The load generator shares the 2 cores with the server it measures, so it must cost as
# little as it can: a general-purpose client (requests: about 0.8 ms of CPU per request
# here; aiohttp: about twice what this one costs) takes that CPU from the server, and with
# 32 threads waiting for one interpreter lock, it adds its own queueing to the latencies
# it reports. This is plain asyncio streams and just enough HTTP/1.1 to read an answer.


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, list[str]]  # lower-case names; a header sent twice has two values
    body: bytes
    keep_alive: bool


def http_request(
    method: str, path: str, *, host: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """The bytes of one HTTP/1.1 request (keep-alive, the body's length set)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "User-Agent: civicportal-bench"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method != "GET":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def http_exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> HttpAnswer:
    """Send ``request`` on an open connection and read the whole answer."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        if line:
            name, _sep, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())

    def last(name: str) -> str:
        return (headers.get(name) or [""])[-1]

    keep_alive = not lines[0].startswith("HTTP/1.0") and last("connection").lower() != "close"
    if status in (204, 304):  # never a body
        body = b""
    elif "content-length" in headers:
        body = await reader.readexactly(int(last("content-length")))
    elif "chunked" in last("transfer-encoding").lower():
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")  # the empty line after the last chunk (no trailers)
        body = b"".join(chunks)
    else:  # no length: the body ends with the connection
        body = await reader.read()
        keep_alive = False
    return HttpAnswer(status, headers, body, keep_alive)


# What a client sends next: the request's bytes and what judges its answer (True: as
# expected). Called with the client's number.
NextRequest = Callable[[int], tuple[bytes, Callable[[HttpAnswer], bool]]]


async def closed_loop(
    host: str, port: int, *, clients: int, seconds: float, next_request: NextRequest
) -> tuple[float, list[float], int]:
    """``clients`` connections, each sending its next request as soon as the last answer is
    in, for ``seconds``: the seconds it took, the latencies (seconds) of the answers judged
    good, and the number of the others (refused, unexpected, or the connection failed).

    A request's latency includes opening its connection when the server closed the last one.
    """
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        nonlocal failures
        reader = writer = None
        while time.perf_counter() < deadline:
            request, judge = next_request(number)
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                answer = await http_exchange(reader, writer, request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                failures += 1
                keep_alive = False
            else:
                elapsed = time.perf_counter() - started
                keep_alive = answer.keep_alive
                if judge(answer):
                    latencies.append(elapsed)
                else:
                    failures += 1
            if not keep_alive and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(clients)))
    return time.perf_counter() - started, latencies, failures
