"""Requests to a social network's API (Bluesky's XRPC, Facebook's Graph API) through the
outbound guard, for backends that need more than one JSON POST (sessions, reads, blobs).

Only the transport is decided here: no answer at all is transient, an address the guard
refuses is a refusal. What a status means differs between the networks (an XRPC error
name, a Graph error code), so each backend reads the answer itself.
"""

from __future__ import annotations

import requests

from civicportal.kernel.outbound import OutboundRefused, OutboundSession, outbound_session
from civicportal.notifications.channels.base import TransientSendError
from civicportal.notifications.channels.http import FarSide, environment_settings_once
from civicportal.notifications.channels.social import SocialRefused


class SocialApi:
    """A guarded session to one network's origin, opened for a batch."""

    def __init__(self, *, base_url: str, timeout: float, far_side: FarSide) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.far_side = far_side
        self.session: OutboundSession | None = None

    def open(self) -> None:
        if self.session is None:
            self.session = outbound_session()
            environment_settings_once(self.session, [self.base_url])

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        """``method`` on ``url`` (absolute, or a path under the base URL).

        Raises ``TransientSendError`` (no answer) or ``SocialRefused`` (the guard refused
        the address). Any answer is returned, whatever its status.
        """
        self.open()
        if url.startswith("/"):
            url = f"{self.base_url}{url}"
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except OutboundRefused as exc:
            raise SocialRefused(f"{self.far_side.guard_refused}: {exc}") from exc
        except requests.RequestException as exc:
            raise TransientSendError(f"{self.far_side.unreachable}: {exc!r}") from exc


def json_object(response: requests.Response) -> dict:
    """The answer's JSON object, or an empty dict when it is not one."""
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
