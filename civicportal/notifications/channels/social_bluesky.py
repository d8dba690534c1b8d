"""The council's Bluesky account: the AT Protocol's XRPC calls over plain HTTP.

Why no client library: the official ``atproto`` SDK brings pydantic and thousands of
generated models for the four calls used here, and opens its own HTTP connections, which
would bypass the outbound guard (civicportal/kernel/outbound.py) that every request of the
portal goes through. The calls are small JSON documents, written out below:

- ``com.atproto.server.createSession`` with the account's handle and an app password
  (never the account's own password); the session (access and refresh tokens) is kept in
  the worker process and renewed with ``com.atproto.server.refreshSession`` when the PDS
  answers ``ExpiredToken`` (or 401); when that fails too, the worker logs in again.
  Tokens are kept in memory only, never in the cache or the database.
- ``com.atproto.repo.uploadBlob`` for the link card's image, when the post has one.
- ``com.atproto.repo.createRecord`` of an ``app.bsky.feed.post``: the text, ``createdAt``,
  ``langs``, a link facet over the URL (byte offsets in the UTF-8 text), an external embed
  (the link card) and, on a thread, ``reply`` with the thread's root and latest post.

Once only: the record key (``rkey``) is a TID derived from the delivery (its creation time
and id), the same on every attempt. A retry after a lost answer or a killed worker asks
for a record that exists; the PDS refuses it, and the backend reads the record with
``com.atproto.repo.getRecord`` and takes it as the post. The post's public address is
``https://bsky.app/profile/<handle>/post/<rkey>``; its reference is ``uri|cid`` (a reply's
strong ref).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from urllib.parse import urljoin

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicportal.notifications.channels.base import TransientSendError
from civicportal.notifications.channels.http import (
    TRANSIENT_STATUSES,
    FarSide,
    excerpt,
    retry_after,
)
from civicportal.notifications.channels.social import (
    Published,
    SocialBackend,
    SocialMessage,
    SocialRefused,
)
from civicportal.notifications.channels.social_http import SocialApi, json_object

BLUESKY = FarSide(
    name="Bluesky",
    unreachable="cannot reach the Bluesky server",
    guard_refused="not posted to Bluesky",
    refusal="Bluesky refused the post",
)
POST_COLLECTION = "app.bsky.feed.post"
PUBLIC_APP_URL = "https://bsky.app"
# Bluesky takes a link card's image up to this size (app.bsky.embed.external#external thumb).
THUMB_MAX_BYTES = 1_000_000
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# XRPC errors that mean "log in again", whatever the status (400 or 401).
_TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})

# (server, handle) -> the session's ``accessJwt``, ``refreshJwt``, ``did``, ``handle``.
_sessions: dict[tuple[str, str], dict[str, str]] = {}
_sessions_lock = threading.Lock()


def record_key(delivery) -> str:
    """A valid TID naming ``delivery``'s record: 53 bits of its creation time in
    microseconds and 10 bits of its id, in base32-sortable; the same on every attempt."""
    micros = int(delivery.created_at.timestamp() * 1_000_000) & ((1 << 53) - 1)
    value = (micros << 10) | (delivery.pk % 1024)
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def link_facets(text: str, url: str) -> list[dict]:
    """A link facet over the last occurrence of ``url`` in ``text``, in UTF-8 byte offsets
    (what Bluesky counts), or none when the text does not show the link."""
    if not url:
        return []
    at = text.rfind(url)
    if at < 0:
        return []
    start = len(text[:at].encode("utf-8"))
    return [
        {
            "index": {"byteStart": start, "byteEnd": start + len(url.encode("utf-8"))},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
        }
    ]


def _xrpc_error(response: requests.Response) -> str:
    return str(json_object(response).get("error") or "")


def _wait_asked(response: requests.Response) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After``, or Bluesky's ``RateLimit-Reset``
    (the Unix time the window ends)."""
    wait = retry_after(response)
    if wait is not None:
        return wait
    reset = response.headers.get("RateLimit-Reset", "")
    if reset.isdigit():
        return max(int(reset) - time.time(), 1.0)
    return None


def answer_check(response: requests.Response, what: str) -> None:
    """Return on 2xx; otherwise raise ``TransientSendError`` (429, 5xx, with the wait
    asked) or ``SocialRefused`` (anything else: a redirect, a refusal)."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in TRANSIENT_STATUSES:
        raise TransientSendError(
            f"Bluesky answered {status} to {what}: {excerpt(response)}",
            retry_after=_wait_asked(response),
        )
    raise SocialRefused(f"{BLUESKY.refusal} ({status}, {what}): {excerpt(response)}")


class BlueskySocialBackend(SocialBackend):
    """``NOTIFICATIONS_BLUESKY_HANDLE`` with ``NOTIFICATIONS_BLUESKY_APP_PASSWORD`` on
    ``NOTIFICATIONS_BLUESKY_URL`` (the account's PDS; ``https://bsky.social`` by default)."""

    name = "bluesky"

    def __init__(self) -> None:
        self.server = settings.NOTIFICATIONS_BLUESKY_URL
        self.handle = settings.NOTIFICATIONS_BLUESKY_HANDLE.lstrip("@")
        self.password = settings.NOTIFICATIONS_BLUESKY_APP_PASSWORD
        if not self.server or not self.handle or not self.password:
            raise ImproperlyConfigured(
                "The Bluesky backend needs NOTIFICATIONS_BLUESKY_HANDLE (e.g. "
                "council.bsky.social) and NOTIFICATIONS_BLUESKY_APP_PASSWORD (an app "
                "password from Settings > Privacy and security > App passwords); "
                "NOTIFICATIONS_BLUESKY_URL names the account's server when it is not "
                "https://bsky.social."
            )
        self.server = self.server.rstrip("/")
        self.api = SocialApi(
            base_url=self.server,
            timeout=settings.NOTIFICATIONS_SOCIAL_TIMEOUT,
            far_side=BLUESKY,
        )

    @property
    def account(self) -> str:
        return f"@{self.handle}"

    def open(self) -> None:
        self.api.open()

    def close(self) -> None:
        self.api.close()

    # --- The session ------------------------------------------------------------------

    def _session(self) -> dict[str, str]:
        with _sessions_lock:
            session = _sessions.get((self.server, self.handle))
        return session or self._login()

    def _keep(self, answer: dict) -> dict[str, str]:
        session = {
            key: str(answer.get(key) or "") for key in ("accessJwt", "refreshJwt", "did", "handle")
        }
        if not session["accessJwt"] or not session["did"]:
            raise SocialRefused("Bluesky opened a session without a token or an account DID")
        with _sessions_lock:
            _sessions[(self.server, self.handle)] = session
        return session

    def _forget(self) -> None:
        with _sessions_lock:
            _sessions.pop((self.server, self.handle), None)

    def _login(self) -> dict[str, str]:
        response = self.api.request(
            "POST",
            "/xrpc/com.atproto.server.createSession",
            json={"identifier": self.handle, "password": self.password},
        )
        if response.status_code in (400, 401) and _xrpc_error(response) not in _TOKEN_ERRORS:
            raise SocialRefused(
                f"Bluesky refused to log in as {self.handle} ({response.status_code}): "
                f"{excerpt(response)}; check NOTIFICATIONS_BLUESKY_HANDLE and the app password"
            )
        answer_check(response, "the log-in")
        return self._keep(json_object(response))

    def _renew(self, session: dict[str, str]) -> dict[str, str]:
        """A fresh session: refreshed with the refresh token, or a new log-in."""
        if session.get("refreshJwt"):
            response = self.api.request(
                "POST",
                "/xrpc/com.atproto.server.refreshSession",
                headers={"Authorization": f"Bearer {session['refreshJwt']}"},
            )
            if response.ok:
                return self._keep(json_object(response))
            if response.status_code not in (400, 401):
                answer_check(response, "the session refresh")
        self._forget()
        return self._login()

    def _call(self, method: str, nsid: str, **kwargs) -> tuple[requests.Response, dict]:
        """An authenticated XRPC call; an expired session is renewed and the call made
        once more. Returns the answer (any status) and the session it was made with."""
        session = self._session()
        headers = dict(kwargs.pop("headers", {}))
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {session['accessJwt']}"
            response = self.api.request(method, f"/xrpc/{nsid}", headers=headers, **kwargs)
            expired = response.status_code == 401 or (
                response.status_code == 400 and _xrpc_error(response) in _TOKEN_ERRORS
            )
            if not expired or attempt == 2:
                return response, session
            session = self._renew(session)
        raise AssertionError("unreachable")  # the loop always returns

    # --- Posting ----------------------------------------------------------------------

    def _thumb(self, image_url: str) -> dict | None:
        """The card image uploaded as a blob, or None when there is none to be had (the
        post goes out without a picture rather than not at all)."""
        if not image_url:
            return None
        try:
            image = self.api.request(
                "GET", urljoin(f"{settings.SITE_URL}/", image_url), stream=True
            )
        except (SocialRefused, TransientSendError):
            return None
        with image:
            content_type = image.headers.get("Content-Type", "").split(";")[0].strip()
            if image.status_code != 200 or not content_type.startswith("image/"):
                return None
            body = image.raw.read(THUMB_MAX_BYTES + 1, decode_content=True)
        if not body or len(body) > THUMB_MAX_BYTES:
            return None
        response, _session = self._call(
            "POST",
            "com.atproto.repo.uploadBlob",
            data=body,
            headers={"Content-Type": content_type},
        )
        if not response.ok and response.status_code not in TRANSIENT_STATUSES:
            return None  # a picture refused is no reason to hold the post back
        answer_check(response, "the card image")
        blob = json_object(response).get("blob")
        return blob if isinstance(blob, dict) else None

    def _record(self, message: SocialMessage) -> dict:
        record: dict = {
            "$type": POST_COLLECTION,
            "text": message.text,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "langs": [message.language],
        }
        facets = link_facets(message.text, message.url)
        if facets:
            record["facets"] = facets
        if message.url:
            external = {
                "uri": message.url,
                "title": message.card.title,
                "description": message.card.description,
            }
            thumb = self._thumb(message.card.image_url)
            if thumb:
                external["thumb"] = thumb
            record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        if message.root is not None and message.parent is not None:
            record["reply"] = {
                "root": _strong_ref(message.root.reference),
                "parent": _strong_ref(message.parent.reference),
            }
        return record

    def publish(self, message: SocialMessage) -> Published:
        rkey = record_key(message.delivery)
        response, session = self._call(
            "POST",
            "com.atproto.repo.createRecord",
            json={
                "repo": self._session()["did"],
                "collection": POST_COLLECTION,
                "rkey": rkey,
                "record": self._record(message),
            },
        )
        if response.status_code == 400:
            # Most likely the record exists: an earlier attempt made it and its answer was
            # lost. If it is there, that is the post.
            existing = self._existing(session, rkey)
            if existing is not None:
                response_json = existing
            else:
                answer_check(response, "the post")
                response_json = {}
        else:
            answer_check(response, "the post")
            response_json = json_object(response)
        uri, cid = str(response_json.get("uri") or ""), str(response_json.get("cid") or "")
        if not uri or not cid:
            raise SocialRefused("Bluesky took the post but answered no uri and cid")
        profile = session.get("handle") or session["did"]
        return Published(
            reference=f"{uri}|{cid}",
            post_url=f"{PUBLIC_APP_URL}/profile/{profile}/post/{uri.rsplit('/', 1)[-1]}",
        )

    def _existing(self, session: dict[str, str], rkey: str) -> dict | None:
        response, _session = self._call(
            "GET",
            "com.atproto.repo.getRecord",
            params={"repo": session["did"], "collection": POST_COLLECTION, "rkey": rkey},
        )
        if response.status_code in TRANSIENT_STATUSES:
            answer_check(response, "reading the post back")
        if not response.ok:
            return None
        answer = json_object(response)
        return answer if answer.get("uri") and answer.get("cid") else None


def _strong_ref(reference: str) -> dict[str, str]:
    uri, _sep, cid = reference.partition("|")
    return {"uri": uri, "cid": cid}
