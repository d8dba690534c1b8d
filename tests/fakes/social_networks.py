"""Mastodon, Bluesky and a Facebook Page as real HTTP servers on 127.0.0.1.

Each speaks the posting endpoints the portal uses, with the networks' own answer shapes
(a Mastodon status; XRPC sessions, blob refs and ``uri``/``cid``; Graph ids), their error
objects, and their duplicate behaviour (Mastodon's ``Idempotency-Key``, Bluesky's record
key that exists already). Facebook keeps no idempotency key, like the real one.

The same simple interface on all three, for tests and for a browser journey whose worker
process posts to them::

    server = FakeBluesky().start()
    server.url            # the base URL to put in the portal's settings
    server.posts          # what was published, in order (dicts, see each class)
    server.answer_next(429, retry_after=2)   # the next post gets this answer instead
    server.hold_next_post()                  # the next post is made, its answer held back
    server.release()
    server.stop()

The portal reaches them only with ``OUTBOUND_ALLOW_LOOPBACK`` on (the outbound guard refuses
loopback otherwise).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from html import escape
from urllib.parse import parse_qs, urlsplit

from tests.notifications.servers import Answer, HttpSink, Recorded

HOLD_TIMEOUT = 60
# The credentials each fake accepts unless given others.
MASTODON_TOKEN = "mastodon-token"
BLUESKY_APP_PASSWORD = "app-pass-word-1234"
FACEBOOK_PAGE_TOKEN = "page-token"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _cid(data: bytes, prefix: str = "bafyrei") -> str:
    """A CID-shaped content id (base32 of a SHA-256), stable for the same content."""
    digest = base64.b32encode(hashlib.sha256(data).digest()).decode().lower().rstrip("=")
    return prefix + digest[:52]


class FakeNetwork(ABC):
    """What the three fakes share: the server, scripted answers, held answers, files."""

    #: the path ``answer_next`` scripts by default (a suffix of the request's path)
    posting_path = ""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.posts: list[dict] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self._script: list[tuple[str, str, Answer]] = []
        self._hold_next = False
        self._released = threading.Event()
        self.sink = HttpSink()
        self.sink.responder = self._respond

    # --- Interface ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.sink.url

    def start(self) -> FakeNetwork:
        self.sink.start()
        return self

    def stop(self) -> None:
        self.release()
        self.sink.stop()

    def requests(self) -> list[Recorded]:
        """Every request received, in order (method, path with query, headers, body)."""
        return self.sink.received()

    def answer_next(
        self,
        status: int,
        *,
        error: str = "",
        message: str = "",
        code: int | None = None,
        retry_after: float | None = None,
        body: dict | None = None,
        path: str = "",
        method: str = "POST",
    ) -> None:
        """The next ``method`` request whose path ends with ``path`` (the posting endpoint
        by default) gets ``status`` with this network's error object, and nothing is posted."""
        data = body if body is not None else self.error_body(status, error, message, code)
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        with self.lock:
            self._script.append(
                (method, path or self.posting_path, Answer.json(status, data, **headers))
            )

    def hold_next_post(self) -> None:
        """The next post is published and kept, but its answer waits for ``release`` (or a
        minute): a worker killed meanwhile never learns that it was made."""
        with self.lock:
            self._hold_next = True
            self._released.clear()

    def release(self) -> None:
        self._released.set()

    def serve_file(self, path: str, body: bytes, content_type: str) -> str:
        """Serve ``body`` at ``path`` (a card image); returns its absolute URL."""
        with self.lock:
            self.files[path] = (body, content_type)
        return f"{self.url}{path}"

    # --- For subclasses -------------------------------------------------------------------

    @abstractmethod
    def error_body(self, status: int, error: str, message: str, code: int | None) -> dict:
        """This network's error object."""

    @abstractmethod
    def route(self, request: Recorded, path: str, query: dict[str, list[str]]) -> Answer:
        """The answer to a request that was not scripted."""

    def published(self, post: dict) -> None:
        """Keep ``post``; then, when asked, hold the answer back (outside the lock)."""
        with self.lock:
            self.posts.append(post)
            hold, self._hold_next = self._hold_next, False
        if hold:
            self._released.wait(HOLD_TIMEOUT)

    # --- Dispatch -------------------------------------------------------------------------

    def _respond(self, request: Recorded) -> Answer:
        parts = urlsplit(request.path)
        with self.lock:
            if request.method == "GET" and parts.path in self.files:
                body, content_type = self.files[parts.path]
                return Answer(200, body, (("Content-Type", content_type),))
            for index, (method, suffix, answer) in enumerate(self._script):
                if request.method == method and parts.path.endswith(suffix):
                    del self._script[index]
                    return answer
        return self.route(request, parts.path, parse_qs(parts.query))


# --- Mastodon -----------------------------------------------------------------------------


class FakeMastodon(FakeNetwork):
    """``POST /api/v1/statuses`` with a bearer token. A repeated ``Idempotency-Key`` gets
    the status it made the first time; ``in_reply_to_id`` must name a status here; a text
    over 500 characters is refused with 422. ``posts``: ``{"id", "url", "text",
    "in_reply_to_id", "language", "visibility", "idempotency_key"}``."""

    posting_path = "/api/v1/statuses"

    def __init__(self, token: str = MASTODON_TOKEN, account: str = "council") -> None:
        super().__init__()
        self.token = token
        self.account = account
        self.ids = itertools.count(110000000000000000)
        self.by_key: dict[str, dict] = {}
        self.statuses: dict[str, dict] = {}

    def error_body(self, status, error, message, code) -> dict:
        return {"error": error or message or "Error"}

    def route(self, request, path, query) -> Answer:
        if path != self.posting_path or request.method != "POST":
            return Answer.json(404, {"error": "Record not found"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Answer.json(401, {"error": "The access token is invalid"})
        data = request.json()
        text = data.get("status") or ""
        if not text:
            return Answer.json(422, {"error": "Validation failed: Text can't be blank"})
        if len(text) > 500:
            return Answer.json(
                422, {"error": "Validation failed: Text character limit of 500 exceeded"}
            )
        key = request.headers.get("idempotency-key", "")
        with self.lock:
            if key and key in self.by_key:
                return Answer.json(200, self.by_key[key])
            reply_to = data.get("in_reply_to_id")
            if reply_to and str(reply_to) not in self.statuses:
                return Answer.json(404, {"error": "Record not found"})
            status_id = str(next(self.ids))
            status = {
                "id": status_id,
                "created_at": _now(),
                "in_reply_to_id": str(reply_to) if reply_to else None,
                "in_reply_to_account_id": "1" if reply_to else None,
                "sensitive": False,
                "spoiler_text": "",
                "visibility": data.get("visibility", "public"),
                "language": data.get("language"),
                "uri": f"{self.url}/users/{self.account}/statuses/{status_id}",
                "url": f"{self.url}/@{self.account}/{status_id}",
                "replies_count": 0,
                "reblogs_count": 0,
                "favourites_count": 0,
                "content": "<p>" + escape(text).replace("\n", "<br />") + "</p>",
                "account": {"id": "1", "username": self.account, "acct": self.account},
                "media_attachments": [],
                "mentions": [],
                "tags": [],
                "card": None,
            }
            self.statuses[status_id] = status
            if key:
                self.by_key[key] = status
        self.published(
            {
                "id": status_id,
                "url": status["url"],
                "text": text,
                "in_reply_to_id": status["in_reply_to_id"],
                "language": status["language"],
                "visibility": status["visibility"],
                "idempotency_key": key,
            }
        )
        return Answer.json(200, status)


# --- Bluesky ------------------------------------------------------------------------------

TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


class FakeBluesky(FakeNetwork):
    """A PDS's XRPC endpoints: ``createSession``, ``refreshSession``, ``uploadBlob``,
    ``createRecord``, ``getRecord``. ``expire_access_tokens()`` makes the next calls answer
    400 ``ExpiredToken``, as a real session does after two hours. A record key that exists
    is refused (400 ``InvalidRequest``), so nothing is posted twice under one key.
    ``posts``: ``{"uri", "cid", "rkey", "record"}`` (the record as posted)."""

    posting_path = "/xrpc/com.atproto.repo.createRecord"

    def __init__(self, handle: str = "council.test", password: str = BLUESKY_APP_PASSWORD) -> None:
        super().__init__()
        self.handle = handle
        self.password = password
        self.did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
        self.tokens = itertools.count(1)
        self.access: dict[str, bool] = {}  # token -> still valid
        self.refresh: set[str] = set()
        self.sessions_created = 0
        self.sessions_refreshed = 0
        self.blobs: dict[str, tuple[bytes, str]] = {}
        self.records: dict[str, dict] = {}

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access = dict.fromkeys(self.access, False)

    def error_body(self, status, error, message, code) -> dict:
        return {"error": error or "InternalServerError", "message": message or error or "Error"}

    def _session(self) -> dict:
        access, refresh = f"access-{next(self.tokens)}", f"refresh-{next(self.tokens)}"
        self.access[access] = True
        self.refresh.add(refresh)
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": self.handle,
            "did": self.did,
            "active": True,
        }

    def _auth(self, request: Recorded) -> Answer | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        valid = self.access.get(token)
        if valid is None:
            return Answer.json(401, {"error": "AuthMissing", "message": "Authentication Required"})
        if not valid:
            return Answer.json(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return None

    def route(self, request, path, query) -> Answer:
        nsid = path.removeprefix("/xrpc/")
        with self.lock:
            if nsid == "com.atproto.server.createSession":
                data = request.json()
                if data.get("identifier") not in (self.handle, self.did) or (
                    data.get("password") != self.password
                ):
                    return Answer.json(
                        401,
                        {
                            "error": "AuthenticationRequired",
                            "message": "Invalid identifier or password",
                        },
                    )
                self.sessions_created += 1
                return Answer.json(200, self._session())
            if nsid == "com.atproto.server.refreshSession":
                token = request.headers.get("authorization", "").removeprefix("Bearer ")
                if token not in self.refresh:
                    return Answer.json(
                        400, {"error": "ExpiredToken", "message": "Token has expired"}
                    )
                self.refresh.discard(token)
                self.sessions_refreshed += 1
                return Answer.json(200, self._session())
            refused = self._auth(request)
            if refused is not None:
                return refused
            if nsid == "com.atproto.repo.uploadBlob":
                mime = request.headers.get("content-type", "application/octet-stream")
                cid = _cid(request.body, "bafkrei")
                self.blobs[cid] = (request.body, mime)
                blob = {
                    "$type": "blob",
                    "ref": {"$link": cid},
                    "mimeType": mime,
                    "size": len(request.body),
                }
                return Answer.json(200, {"blob": blob})
            if nsid == "com.atproto.repo.getRecord":
                rkey = (query.get("rkey") or [""])[0]
                stored = self.records.get(rkey)
                if (query.get("repo") or [""])[0] not in (self.did, self.handle) or not stored:
                    return Answer.json(
                        400,
                        {
                            "error": "RecordNotFound",
                            "message": f"Could not locate record: at://{self.did}/"
                            f"app.bsky.feed.post/{rkey}",
                        },
                    )
                return Answer.json(200, stored)
            if nsid != "com.atproto.repo.createRecord":
                return Answer.json(
                    501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}
                )
            answer, post = self._create(request.json())
        if post is not None:
            self.published(post)
        return answer

    def _invalid(self, message: str) -> tuple[Answer, None]:
        return Answer.json(400, {"error": "InvalidRequest", "message": message}), None

    def _create(self, data: dict) -> tuple[Answer, dict | None]:
        if data.get("repo") not in (self.did, self.handle):
            return self._invalid("Input/repo must be the session's account")
        if data.get("collection") != "app.bsky.feed.post":
            return self._invalid("Input/collection must be app.bsky.feed.post")
        rkey = data.get("rkey") or f"auto{next(self.tokens):09d}"
        if data.get("rkey") and not TID.match(rkey):
            return self._invalid(f"Invalid record key: {rkey}")
        if rkey in self.records:
            return self._invalid(
                f"Record already exists: at://{self.did}/app.bsky.feed.post/{rkey}"
            )
        record = data.get("record") or {}
        text = record.get("text", "")
        if record.get("$type") != "app.bsky.feed.post" or not record.get("createdAt"):
            return self._invalid("Invalid app.bsky.feed.post record")
        if len(text) > 300:
            return self._invalid(
                "Invalid app.bsky.feed.post record: "
                "Record/text must not be longer than 300 graphemes"
            )
        size = len(text.encode("utf-8"))
        for facet in record.get("facets", []):
            index = facet.get("index", {})
            if not 0 <= index.get("byteStart", -1) < index.get("byteEnd", -1) <= size:
                return self._invalid("Invalid facet byte range")
        thumb = record.get("embed", {}).get("external", {}).get("thumb")
        if thumb and thumb.get("ref", {}).get("$link") not in self.blobs:
            return self._invalid("Could not find blob: the thumb was not uploaded")
        for role in ("root", "parent"):
            ref = record.get("reply", {}).get(role)
            if ref is not None:
                found = self.records.get(ref.get("uri", "").rsplit("/", 1)[-1])
                if found is None or found["cid"] != ref.get("cid"):
                    return self._invalid(f"Invalid reply {role}: no such record")
        uri = f"at://{self.did}/app.bsky.feed.post/{rkey}"
        cid = _cid(json.dumps(record, sort_keys=True).encode())
        self.records[rkey] = {"uri": uri, "cid": cid, "value": record}
        answer = {
            "uri": uri,
            "cid": cid,
            "commit": {"cid": _cid(uri.encode()), "rev": rkey},
            "validationStatus": "valid",
        }
        return Answer.json(200, answer), {"uri": uri, "cid": cid, "rkey": rkey, "record": record}


# --- Facebook -----------------------------------------------------------------------------


class FakeGraph(FakeNetwork):
    """A Facebook Page on the Graph API: ``POST /{version}/{page}/feed`` (``message``,
    ``link``), ``GET`` of the same (``data``, newest first), and a post's ``/comments``.
    The Page access token comes as a bearer token or ``access_token``; a wrong one gets
    the Graph error 190. ``posts``: ``{"id", "message", "link", "parent"}`` (``parent`` is
    the post a comment is under, else "")."""

    def __init__(
        self,
        page_id: str = "104711112223334",
        token: str = FACEBOOK_PAGE_TOKEN,
        version: str = "v21.0",
    ) -> None:
        super().__init__()
        self.page_id = page_id
        self.token = token
        self.version = version
        self.posting_path = f"/{page_id}/feed"
        self.ids = itertools.count(122100000000000001)
        self.feed: list[dict] = []
        self.comments: dict[str, list[dict]] = {}

    def error_body(self, status, error, message, code) -> dict:
        return {
            "error": {
                "message": message or "An unexpected error has occurred.",
                "type": error or "OAuthException",
                "code": code if code is not None else 2,
                "fbtrace_id": "AbCdEfGhIjKlMnOp",
            }
        }

    def _graph_error(self, status: int, code: int, message: str, kind: str) -> Answer:
        return Answer.json(status, self.error_body(status, kind, message, code))

    def route(self, request, path, query) -> Answer:
        form = parse_qs(request.body.decode()) if request.method == "POST" else {}
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        token = token or (form.get("access_token") or query.get("access_token") or [""])[0]
        if token != self.token:
            return self._graph_error(
                400, 190, "Invalid OAuth access token - Cannot parse access token", "OAuthException"
            )
        prefix = f"/{self.version}/"
        if not path.startswith(prefix):
            return self._graph_error(400, 2500, "Unknown path components", "OAuthException")
        node, _sep, edge = path.removeprefix(prefix).partition("/")
        field = lambda name: (form.get(name) or [""])[0]  # noqa: E731
        with self.lock:
            if node == self.page_id and edge == "feed":
                if request.method == "GET":
                    data = [
                        {k: post[k] for k in ("id", "message", "link", "created_time") if post[k]}
                        for post in reversed(self.feed)
                    ]
                    return Answer.json(200, {"data": data, "paging": {}})
                if not field("message") and not field("link"):
                    return self._graph_error(
                        400, 100, "(#100) Missing message or attachment", "OAuthException"
                    )
                post = {
                    "id": f"{self.page_id}_{next(self.ids)}",
                    "message": field("message"),
                    "link": field("link"),
                    "created_time": _now().replace("Z", "+0000"),
                    "parent": "",
                }
                self.feed.append(post)
            elif edge == "comments" and any(p["id"] == node for p in self.feed):
                if request.method == "GET":
                    data = [
                        {"id": c["id"], "message": c["message"], "created_time": c["created_time"]}
                        for c in reversed(self.comments.get(node, []))
                    ]
                    return Answer.json(200, {"data": data, "paging": {}})
                post = {
                    "id": f"{node.rsplit('_', 1)[-1]}_{next(self.ids)}",
                    "message": field("message"),
                    "link": "",
                    "created_time": _now().replace("Z", "+0000"),
                    "parent": node,
                }
                self.comments.setdefault(node, []).append(post)
            else:
                return self._graph_error(
                    400,
                    100,
                    f"Unsupported {request.method.lower()} request. Object with ID '{node}' "
                    "does not exist, cannot be loaded due to missing permissions, or does "
                    "not support this operation.",
                    "GraphMethodException",
                )
        self.published({k: post[k] for k in ("id", "message", "link", "parent")})
        return Answer.json(200, {"id": post["id"]})
