"""Real HTTP servers on loopback standing in for the networks' public READ endpoints.

``MastodonTimeline`` answers ``GET /api/v1/timelines/tag/{tag}`` (``limit``, ``max_id``,
``since_id``, newest first) and ``GET /api/v1/statuses/{id}`` (404 once deleted), with
statuses in the shape Mastodon's API documents (``mastodon_status``).
``BlueskyAppView`` answers ``GET /xrpc/app.bsky.feed.searchPosts`` (``q``, ``sort=latest``,
``limit``, ``cursor``) and ``GET /xrpc/app.bsky.feed.getPosts`` (``uris`` repeated, at most
25; deleted posts are absent), with ``postView`` objects (``bluesky_post``).

Both record every request and can be taken down (``down = True``: 503 to everything), so a
test sees what the portal asked and how it copes with a network that fails. The portal
reaches them only with ``OUTBOUND_ALLOW_LOOPBACK`` on.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


class _LoopbackServer:
    """Each network's server below adds ``answer(path, query) -> (status, body)``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self.down = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                headers = {key.lower(): value for key, value in self.headers.items()}
                with server.lock:
                    server.requests.append((parts.path, query, headers))
                    if server.down:
                        status, body = 503, {"error": "Service Unavailable"}
                    else:
                        status, body = server.answer(parts.path, query)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args) -> None:  # quiet test output
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _query, _headers in self.requests]

    def received(self) -> list[tuple[str, dict[str, list[str]], dict[str, str]]]:
        with self.lock:
            return list(self.requests)

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def mastodon_status(
    status_id: int,
    *,
    tag: str,
    created_at: datetime,
    acct: str = "anna@social.example",
    display_name: str = "Anna Jónsdóttir",
    html: str | None = None,
    language: str | None = "en",
    sensitive: bool = False,
    spoiler_text: str = "",
    visibility: str = "public",
    reblog: dict | None = None,
    server: str = "https://social.example",
) -> dict:
    """A status as GET /api/v1/timelines/tag/:hashtag returns it (Mastodon 4.x), with the
    account fields the portal must not keep (avatar, followers, note) filled in."""
    username = acct.split("@", 1)[0]
    content = html or (
        f'<p>Planting day by the river! <a href="{server}/tags/{tag.lower()}" '
        f'class="mention hashtag" rel="tag">#<span>{tag}</span></a></p>'
    )
    return {
        "id": str(status_id),
        "created_at": _iso(created_at),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": sensitive,
        "spoiler_text": spoiler_text,
        "visibility": visibility,
        "language": language,
        "uri": f"{server}/users/{username}/statuses/{status_id}",
        "url": f"{server}/@{username}/{status_id}",
        "replies_count": 0,
        "reblogs_count": 3,
        "favourites_count": 7,
        "edited_at": None,
        "content": content,
        "reblog": reblog,
        "application": None,
        "account": {
            "id": "109302",
            "username": username,
            "acct": acct,
            "display_name": display_name,
            "locked": False,
            "bot": False,
            "created_at": "2022-11-07T00:00:00.000Z",
            "note": "<p>Gardener, Riverside.</p>",
            "url": f"{server}/@{username}",
            "avatar": f"{server}/avatars/{username}.png",
            "avatar_static": f"{server}/avatars/{username}.png",
            "header": f"{server}/headers/{username}.png",
            "followers_count": 321,
            "following_count": 123,
            "statuses_count": 1000,
            "emojis": [],
            "fields": [],
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": tag.lower(), "url": f"{server}/tags/{tag.lower()}"}],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def _order(status: dict) -> int:
    """Mastodon ids sort by time; a test's malformed id sorts as the newest."""
    return int(status["id"]) if status["id"].isdigit() else 10**18


class MastodonTimeline(_LoopbackServer):
    """A Mastodon server's hashtag timeline and status endpoint."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[dict] = []

    def add(self, *statuses: dict) -> None:
        with self.lock:
            self.statuses.extend(statuses)

    def delete(self, status_id: int | str) -> None:
        with self.lock:
            self.statuses = [s for s in self.statuses if s["id"] != str(status_id)]

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, object]:
        if path.startswith("/api/v1/timelines/tag/"):
            tag = unquote(path.rsplit("/", 1)[1]).lower()
            limit = min(int(query.get("limit", ["20"])[0]), 40)
            max_id = int(query.get("max_id", ["0"])[0] or 0)
            since_id = int(query.get("since_id", ["0"])[0] or 0)
            tagged = [
                status
                for status in self.statuses
                if any(t["name"] == tag for t in (status["reblog"] or status)["tags"])
                and (not max_id or _order(status) < max_id)
                and _order(status) > since_id
            ]
            tagged.sort(key=_order, reverse=True)
            return 200, tagged[:limit]
        if path.startswith("/api/v1/statuses/"):
            status_id = path.rsplit("/", 1)[1]
            for status in self.statuses:
                if status["id"] == status_id:
                    return 200, status
            return 404, {"error": "Record not found"}
        return 404, {"error": "Not found"}


def bluesky_post(
    rkey: str,
    *,
    tag: str,
    created_at: datetime,
    handle: str = "bjarni.bsky.social",
    display_name: str = "Bjarni",
    did: str = "did:plc:z72i7hdynmk6r22z27h6tvur",
    text: str | None = None,
    langs: list[str] | None = None,
    labels: list | None = None,
    with_facet: bool = True,
) -> dict:
    """A ``postView`` as app.bsky.feed.searchPosts and getPosts return it, with the author
    fields the portal must not keep (avatar, DID) filled in."""
    text = text if text is not None else f"Our street cleaned up together #{tag}"
    facets = []
    if with_facet and f"#{tag}" in text:
        start = len(text[: text.index(f"#{tag}")].encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(f"#{tag}".encode())},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        )
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": "bafyreib2rxk3rh6kzwq" + rkey,
        "author": {
            "did": did,
            "handle": handle,
            "displayName": display_name,
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/abc@jpeg",
            "labels": [],
            "createdAt": "2023-04-01T00:00:00.000Z",
        },
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": _iso(created_at),
            "langs": langs if langs is not None else ["en"],
            "facets": facets,
        },
        "replyCount": 0,
        "repostCount": 1,
        "likeCount": 4,
        "quoteCount": 0,
        "indexedAt": _iso(created_at),
        "labels": labels or [],
    }


def _search_text(post: dict) -> str:
    """What the search matches; a test's malformed record is found whatever is asked."""
    record = post["record"]
    return record["text"].lower() if isinstance(record, dict) else ""


class BlueskyAppView(_LoopbackServer):
    """An AppView's post search and getPosts."""

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[dict] = []

    def add(self, *posts: dict) -> None:
        with self.lock:
            self.posts.extend(posts)

    def delete(self, uri: str) -> None:
        with self.lock:
            self.posts = [post for post in self.posts if post["uri"] != uri]

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, object]:
        if path == "/xrpc/app.bsky.feed.searchPosts":
            q = query.get("q", [""])[0].lower()
            limit = min(int(query.get("limit", ["25"])[0]), 100)
            offset = int(query.get("cursor", ["0"])[0] or 0)
            found = [post for post in self.posts if q in _search_text(post)]
            found.sort(key=lambda post: post["indexedAt"], reverse=True)
            page = found[offset : offset + limit]
            body: dict = {"posts": page, "hitsTotal": len(found)}
            if offset + limit < len(found):
                body["cursor"] = str(offset + limit)
            return 200, body
        if path == "/xrpc/app.bsky.feed.getPosts":
            uris = query.get("uris", [])
            if len(uris) > 25:
                return 400, {"error": "InvalidRequest", "message": "uris must have at most 25"}
            return 200, {"posts": [post for post in self.posts if post["uri"] in uris]}
        return 404, {"error": "MethodNotImplemented"}
