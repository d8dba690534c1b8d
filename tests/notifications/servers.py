"""A real HTTP server on loopback standing in for push services, SMS gateways, Mastodon.

``HttpSink`` records every request (method, path, headers, body) and answers with the
next scripted response, or with what its ``responder`` returns, or 201 by default. The
portal reaches it only with ``OUTBOUND_ALLOW_LOOPBACK`` on (the ``http_sink`` fixture
turns it on; civicportal/kernel/outbound.py refuses loopback otherwise).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int = 201
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, data, **headers: str) -> Answer:
        return cls(
            status,
            json.dumps(data).encode(),
            (("Content-Type", "application/json"), *headers.items()),
        )


class HttpSink:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.script: deque[Answer] = deque()
        self.responder: Callable[[Recorded], Answer] | None = None
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(
                    method=self.command,
                    path=self.path,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=self.rfile.read(length),
                )
                answer = sink._answer(recorded)
                self.send_response(answer.status)
                for key, value in answer.headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            # Every method is recorded: a redirect followed as GET must not go unseen.
            do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

            def log_message(self, format, *args) -> None:  # quiet test output
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answer(self, recorded: Recorded) -> Answer:
        with self.lock:
            self.requests.append(recorded)
            if self.script:
                return self.script.popleft()
        if self.responder is not None:
            return self.responder(recorded)
        return Answer()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def answer_next(self, *answers: Answer) -> None:
        with self.lock:
            self.script.extend(answers)

    def received(self) -> list[Recorded]:
        with self.lock:
            return list(self.requests)

    def start(self) -> HttpSink:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
