"""Signed one-click unsubscribe tokens: user, topic and channel, no login needed.

The token is ``django.core.signing`` output (HMAC with SECRET_KEY and its own salt, with a
timestamp), so it cannot be forged or altered, and it stops working after
``NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE`` days.

Subscribers without an account have no preferences to switch: their link names their own
row by its random ``Subscriber.token`` (short enough for a text message), and leaving
deletes the row. Their confirmation links are signed like the residents' tokens and stop
working after ``NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from civicportal.notifications.rendering import absolute_url

_SALT = "civicportal.notifications.unsubscribe"
_CONFIRM_SALT = "civicportal.notifications.subscriber-confirm"


class UnsubscribeTokenError(Exception):
    """The token is not one of ours, was altered, or is too old (``expired``)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True, slots=True)
class UnsubscribeRequest:
    user_id: int
    topic: str
    channel: str


def unsubscribe_token_make(*, user_id: int, topic: str, channel: str) -> str:
    return signing.dumps({"u": user_id, "t": topic, "c": channel}, salt=_SALT, compress=True)


def unsubscribe_token_read(token: str) -> UnsubscribeRequest:
    """The request a token carries; raises ``UnsubscribeTokenError`` for a bad or old one."""
    try:
        data = signing.loads(
            token, salt=_SALT, max_age=settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE * 86400
        )
    except signing.SignatureExpired as exc:
        raise UnsubscribeTokenError("the link has expired", expired=True) from exc
    except signing.BadSignature as exc:
        raise UnsubscribeTokenError("the link is not valid") from exc
    try:
        return UnsubscribeRequest(
            user_id=int(data["u"]), topic=str(data["t"]), channel=str(data["c"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UnsubscribeTokenError("the link is not valid") from exc


def unsubscribe_url(*, user_id: int, topic: str, channel: str) -> str:
    """The absolute URL of the unsubscribe page (GET) and one-click endpoint (POST)."""
    token = unsubscribe_token_make(user_id=user_id, topic=topic, channel=channel)
    return absolute_url(reverse("notifications:unsubscribe", kwargs={"token": token}))


def unsubscribe_url_maker(*, topic: str, channel: str) -> Callable[[int], str]:
    """``unsubscribe_url`` for many users of one topic and channel (a fan-out's hot path):
    the URL is reversed once, and only each user's token is made per call.
    """
    marker = "cpunsubscribetoken"
    template = absolute_url(reverse("notifications:unsubscribe", kwargs={"token": marker}))
    if template.count(marker) != 1:  # pragma: no cover - a URL pattern that mangles tokens
        return lambda user_id: unsubscribe_url(user_id=user_id, topic=topic, channel=channel)
    head, tail = template.split(marker)

    def make(user_id: int) -> str:
        return head + unsubscribe_token_make(user_id=user_id, topic=topic, channel=channel) + tail

    return make


# --- Subscribers without an account ----------------------------------------------------------


def subscriber_url(token: str) -> str:
    """The absolute URL of a subscriber's own page: unsubscribe (one click), their data."""
    return absolute_url(reverse("notifications:subscriber", kwargs={"token": token}))


def subscriber_confirm_token_make(token: str) -> str:
    return signing.dumps({"s": token}, salt=_CONFIRM_SALT)


def subscriber_confirm_token_read(signed: str) -> str:
    """The subscriber token a confirmation link carries; raises ``UnsubscribeTokenError``
    (``expired`` for an old link) for a bad one."""
    try:
        data = signing.loads(
            signed,
            salt=_CONFIRM_SALT,
            max_age=settings.NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS * 86400,
        )
    except signing.SignatureExpired as exc:
        raise UnsubscribeTokenError("the link has expired", expired=True) from exc
    except signing.BadSignature as exc:
        raise UnsubscribeTokenError("the link is not valid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("s"), str):
        raise UnsubscribeTokenError("the link is not valid")
    return data["s"]


def subscriber_confirm_url(token: str) -> str:
    signed = subscriber_confirm_token_make(token)
    return absolute_url(reverse("notifications:subscriber-confirm", kwargs={"token": signed}))
