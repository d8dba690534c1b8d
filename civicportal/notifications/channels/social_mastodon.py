"""The council's Mastodon account: ``POST /api/v1/statuses`` with a bearer token.

Once only: every attempt of a delivery sends the same ``Idempotency-Key``, and Mastodon
answers a repeated key (kept for an hour) with the status it already made, so a retry after
a lost answer or a killed worker does not post twice. A reply on a thread sets
``in_reply_to_id`` to the thread's latest status. The answers mean what they mean for every
HTTP far side (channels/http.py): 401/403/422 refused for good, 429 (with ``Retry-After``)
and 5xx transient.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicportal.notifications.channels.http import FarSide, JsonEndpoint
from civicportal.notifications.channels.social import (
    Published,
    SocialBackend,
    SocialMessage,
    SocialRefused,
)

MASTODON = FarSide(
    name="Mastodon",
    unreachable="cannot reach the Mastodon instance",
    guard_refused="not posted to Mastodon",
    refusal="Mastodon refused the post",
)


class MastodonSocialBackend(SocialBackend):
    """``NOTIFICATIONS_MASTODON_URL`` (the instance) with ``NOTIFICATIONS_MASTODON_TOKEN``
    (an access token with the ``write:statuses`` scope)."""

    name = "mastodon"

    def __init__(self) -> None:
        self.base_url = settings.NOTIFICATIONS_MASTODON_URL.rstrip("/")
        token = settings.NOTIFICATIONS_MASTODON_TOKEN
        if not self.base_url or not token:
            raise ImproperlyConfigured(
                "The Mastodon backend needs NOTIFICATIONS_MASTODON_URL (the instance, e.g. "
                "https://social.example) and NOTIFICATIONS_MASTODON_TOKEN (an access token "
                "with the write:statuses scope)."
            )
        self.endpoint = JsonEndpoint(
            url=f"{self.base_url}/api/v1/statuses",
            token=token,
            timeout=settings.NOTIFICATIONS_SOCIAL_TIMEOUT,
            far_side=MASTODON,
            refused=SocialRefused,
        )

    @property
    def account(self) -> str:
        return self.base_url

    def open(self) -> None:
        self.endpoint.open()

    def close(self) -> None:
        self.endpoint.close()

    def publish(self, message: SocialMessage) -> Published:
        payload = {
            "status": message.text,
            "visibility": settings.NOTIFICATIONS_MASTODON_VISIBILITY,
            "language": message.language,
        }
        if message.parent is not None:
            payload["in_reply_to_id"] = message.parent.reference
        answer = self.endpoint.post(payload, key=message.key)
        status_id = str(answer.get("id") or "")
        if not status_id:
            # Taken (2xx) but not a status: retrying with the same key gets the same answer.
            raise SocialRefused("Mastodon took the post but answered no status id")
        return Published(reference=status_id, post_url=str(answer.get("url") or ""))
