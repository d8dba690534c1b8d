"""Talking to the HTTP far sides (push services, SMS gateways, Mastodon): the session, posting
JSON, and what each answer means.

Every request to them goes through the outbound guard (civicportal/kernel/outbound.py): no
private address, and no redirect followed, so a 3xx is an answer like any refusal. An
answer is taken (2xx), refused (a redirect, or any status but the transient ones: never
retried), or transient (``TRANSIENT_STATUSES``: ``TransientSendError``, with the far side's
``Retry-After``). No answer at all is transient too; an address the guard refuses is a
refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from django.utils import timezone

from civicportal.kernel.outbound import OutboundRefused, OutboundSession, outbound_session
from civicportal.notifications.channels.base import TransientSendError

# "Later", not "never": the far side is busy, down, or asks us to slow down.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class FarSideRefused(Exception):
    """The far side will never take this message (bad number, token, text): do not retry.

    Each channel refuses with a subclass of its own (``SmsRefused``, ``SocialRefused``).
    """


@dataclass(frozen=True, slots=True)
class FarSide:
    """How a delivery's last error names a far side, e.g. for an SMS gateway: "the SMS
    gateway answered 503: ...", "cannot reach the SMS gateway: ...", "not sent to the SMS
    gateway: ..." (the outbound guard refused it), "the SMS gateway refused it (400): ..."."""

    name: str
    unreachable: str
    guard_refused: str
    refusal: str


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - timezone.now()).total_seconds(), 0.0)


def excerpt(response: requests.Response, limit: int = 300) -> str:
    """The start of an answer's body, for the delivery's last error."""
    text = " ".join((response.text or "").split())
    return text[:limit]


def redirect_error(response: requests.Response, far_side: str) -> str:
    """The delivery's error for a 3xx: redirects are never followed (they could point
    anywhere, the council's own network included)."""
    location = " ".join(response.headers.get("Location", "").split())[:200]
    return (
        f"{far_side} answered {response.status_code}, a redirect to {location or '?'}; "
        "redirects are not followed"
    )


def answer_check(
    response: requests.Response,
    far_side: FarSide,
    refused: type[FarSideRefused] = FarSideRefused,
) -> None:
    """Return when the far side took the message (2xx). Otherwise raise ``refused`` (a
    redirect, or a status that will not change) or ``TransientSendError`` (busy or down:
    ``TRANSIENT_STATUSES``, with the far side's ``Retry-After``), naming the status and the
    start of the far side's reason."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise refused(redirect_error(response, far_side.name))
    if status in TRANSIENT_STATUSES:
        raise TransientSendError(
            f"{far_side.name} answered {status}: {excerpt(response)}",
            retry_after=retry_after(response),
        )
    raise refused(f"{far_side.refusal} ({status}): {excerpt(response)}")


def environment_settings_once(session: requests.Session, urls: Iterable[str]) -> None:
    """Read the environment's proxy and CA settings once per origin, not per request.

    With ``trust_env`` on, requests scans every environment variable on every request
    (about half the CPU time of a push). Here ``Session.merge_environment_settings`` gives
    what requests would have used (``HTTPS_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``)
    once for each origin of ``urls``, and the session keeps it.
    """
    session.trust_env = True
    origins = {
        (parts.scheme, parts.hostname, f"{parts.scheme}://{parts.netloc}")
        for parts in (urlsplit(url) for url in urls)
    }
    proxies: dict[str, str] = {}
    verify: bool | str = True
    for scheme, hostname, origin in origins:
        found = session.merge_environment_settings(origin, {}, None, None, None)
        proxy = found["proxies"].get(scheme) or found["proxies"].get("all")
        if proxy:  # requests picks a "scheme://host" key before a "scheme" one
            proxies[f"{scheme}://{hostname}"] = proxy
        verify = found["verify"]  # from the environment alone: the same for every origin
    session.trust_env = False
    session.proxies = proxies
    session.verify = verify


class JsonEndpoint:
    """One far side's JSON endpoint (an SMS gateway's, Mastodon's), posted to through a
    guarded session that is opened for a batch, with a bearer token when there is one.

    ``post`` sends an ``Idempotency-Key``, so a far side that keeps them drops a repeat of
    a message it already took (a retry after a lost answer).
    """

    def __init__(
        self,
        *,
        url: str,
        token: str,
        timeout: float,
        far_side: FarSide,
        refused: type[FarSideRefused],
    ) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout
        self.far_side = far_side
        self.refused = refused
        self.session: OutboundSession | None = None

    def open(self) -> None:
        self.session = outbound_session()
        environment_settings_once(self.session, [self.url])
        if self.token:
            self.session.headers["Authorization"] = f"Bearer {self.token}"

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def post(self, payload: dict, *, key: str) -> dict:
        """POST ``payload``; the JSON object answered (empty when the answer is not one).

        Raises ``TransientSendError`` (no answer, or a transient status) or
        ``self.refused`` (the guard refused the address, a redirect, any other status).
        """
        if self.session is None:
            self.open()
        try:
            response = self.session.post(
                self.url, json=payload, headers={"Idempotency-Key": key}, timeout=self.timeout
            )
        except OutboundRefused as exc:
            raise self.refused(f"{self.far_side.guard_refused}: {exc}") from exc
        except requests.RequestException as exc:
            raise TransientSendError(f"{self.far_side.unreachable}: {exc!r}") from exc
        answer_check(response, self.far_side, self.refused)
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}
