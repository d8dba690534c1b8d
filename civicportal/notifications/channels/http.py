"""What the HTTP far sides (push services, SMS gateways, Mastodon) answer, and what it means.

Every request to them goes through the outbound guard (civicportal/core/outbound.py): no
private address, and no redirect followed, so a 3xx is an answer like any refusal.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import requests
from django.utils import timezone

# "Later", not "never": the far side is busy, down, or asks us to slow down.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


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
