"""Cross-posting to the council's official social media accounts.

``NOTIFICATIONS_SOCIAL_BACKENDS`` lists the accounts' backends (``recording``, the
default, keeps each post as a ``SocialPost`` visible in the admin; ``mastodon`` posts to
``NOTIFICATIONS_MASTODON_URL`` with ``NOTIFICATIONS_MASTODON_TOKEN``; or a dotted class
path). A social delivery has no recipient: it is a broadcast whose address is the
backend's name, so each event is posted once per account (``social_broadcasts``).
Posts are written in the portal's default language. Mastodon is reached through the
outbound guard (civicportal/kernel/outbound.py): no private address, no redirect followed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from civicportal.notifications.channels.base import Pacer, SendResult
from civicportal.notifications.channels.http import FarSide, FarSideRefused, JsonEndpoint
from civicportal.notifications.rendering import delivery_key, message_texts

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery

BACKEND_ALIASES = {
    "recording": "civicportal.notifications.channels.social.RecordingSocialBackend",
    "mastodon": "civicportal.notifications.channels.social.MastodonSocialBackend",
}


class SocialRefused(FarSideRefused):
    """The network will never take this post (bad token, text refused): do not retry."""


MASTODON = FarSide(
    name="Mastodon",
    unreachable="cannot reach the Mastodon instance",
    guard_refused="not posted to Mastodon",
    refusal="Mastodon refused the post",
)


class SocialBackend:
    """One official account. ``name`` is the broadcast address of its deliveries."""

    name = ""

    def open(self) -> None:
        """Prepare a batch (an HTTP session); the default needs nothing."""

    def close(self) -> None:
        """End the batch."""

    def post(self, *, delivery: Delivery, text: str, url: str, language: str, key: str) -> str:
        """Publish; return the post's URL or id. Raises ``TransientSendError`` or
        ``SocialRefused``."""
        raise NotImplementedError


class RecordingSocialBackend(SocialBackend):
    """Keeps posts as ``SocialPost`` rows (one per delivery), for staff to see and copy."""

    name = "recording"

    def post(self, *, delivery: Delivery, text: str, url: str, language: str, key: str) -> str:
        from civicportal.notifications.models import SocialPost

        post, _created = SocialPost.objects.get_or_create(
            delivery=delivery,
            defaults={
                "account": settings.NOTIFICATIONS_SOCIAL_RECORDING_ACCOUNT,
                "text": text,
                "url": url,
                "language": language,
            },
        )
        return f"social-post-{post.pk}"


class MastodonSocialBackend(SocialBackend):
    """``POST /api/v1/statuses`` with a bearer token and ``Idempotency-Key``.

    Mastodon answers a repeated key (within an hour) with the status it already made, so
    a retry after a lost answer does not post twice.
    """

    name = "mastodon"

    def __init__(self) -> None:
        base_url = settings.NOTIFICATIONS_MASTODON_URL.rstrip("/")
        token = settings.NOTIFICATIONS_MASTODON_TOKEN
        if not base_url or not token:
            raise ImproperlyConfigured(
                "The Mastodon backend needs NOTIFICATIONS_MASTODON_URL (the instance, e.g. "
                "https://social.example) and NOTIFICATIONS_MASTODON_TOKEN (an access token "
                "with the write:statuses scope)."
            )
        self.endpoint = JsonEndpoint(
            url=f"{base_url}/api/v1/statuses",
            token=token,
            timeout=settings.NOTIFICATIONS_SOCIAL_TIMEOUT,
            far_side=MASTODON,
            refused=SocialRefused,
        )

    def open(self) -> None:
        self.endpoint.open()

    def close(self) -> None:
        self.endpoint.close()

    def post(self, *, delivery: Delivery, text: str, url: str, language: str, key: str) -> str:
        answer = self.endpoint.post(
            {
                "status": text,
                "visibility": settings.NOTIFICATIONS_MASTODON_VISIBILITY,
                "language": language,
            },
            key=key,
        )
        return str(answer.get("url") or answer.get("id") or "")


# Each network's longest post, in characters (Bluesky counts graphemes, 300; a Facebook
# Page post may be far longer, but a post people read is short). A backend not named here
# (``recording``, a dotted path) gets NOTIFICATIONS_SOCIAL_MAX_LENGTH.
NETWORK_LIMITS = {"mastodon": 500, "bluesky": 300, "facebook": 2000}


def network_limit(name: str) -> int:
    """The longest post (text and link) the account ``name`` takes."""
    return NETWORK_LIMITS.get(name, settings.NOTIFICATIONS_SOCIAL_MAX_LENGTH)


def text_fit(text: str, url: str, *, limit: int) -> str:
    """``text`` cut (with "…") so that it, a blank line and ``url`` fit in ``limit``."""
    tail = f"\n\n{url}" if url else ""
    room = max(limit - len(tail), 20)
    text = text.strip()
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return text + tail


def social_accounts() -> list[str]:
    """The names of the configured accounts (``recording``, ``mastodon``, ...), in order."""
    return [name for _channel, name in social_broadcasts_all()]


def social_broadcasts_all() -> list[tuple[str, str]]:
    """Every configured account as a broadcast, whether or not the channel is switched on."""
    names = []
    for name in settings.NOTIFICATIONS_SOCIAL_BACKENDS:
        path = BACKEND_ALIASES.get(name, name)
        names.append(getattr(import_string(path), "name", "") or path)
    return [("social", name) for name in names]


def social_backends() -> dict[str, SocialBackend]:
    """The configured accounts' backends by name (fresh instances)."""
    backends: dict[str, SocialBackend] = {}
    for name in settings.NOTIFICATIONS_SOCIAL_BACKENDS:
        path = BACKEND_ALIASES.get(name, name)
        try:
            backend_class = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"NOTIFICATIONS_SOCIAL_BACKENDS item {name!r} is neither one of "
                f"{', '.join(BACKEND_ALIASES)} nor an importable class path."
            ) from exc
        backend = backend_class()
        backends[backend.name or path] = backend
    return backends


def social_broadcasts() -> list[tuple[str, str]]:
    """``event_create(broadcasts=...)`` for posting an event on every official account."""
    if "social" not in settings.NOTIFICATIONS_CHANNELS:
        return []
    return social_broadcasts_all()


def social_text(delivery: Delivery, language: str) -> tuple[str, str]:
    """The post's text (within ``NOTIFICATIONS_SOCIAL_MAX_LENGTH``) and its link."""
    texts = message_texts(event=delivery.event, language=language)
    limit = settings.NOTIFICATIONS_SOCIAL_MAX_LENGTH
    head = texts.subject
    body = " ".join(texts.body.split())
    if body:
        head = f"{head}\n\n{body}"
    return text_fit(head, texts.url, limit=limit), texts.url


class SocialChannel:
    """Broadcast only: residents never get social deliveries of their own."""

    def address_for(self, user: User) -> str | None:
        return None

    def send_batch(self, deliveries: Iterable[Delivery], *, pacer: Pacer) -> Iterator[SendResult]:
        deliveries = list(deliveries)
        if not deliveries:
            return
        backends = social_backends()
        language = settings.LANGUAGE_CODE
        for backend in backends.values():
            backend.open()
        try:
            for delivery in deliveries:
                backend = backends.get(delivery.address)
                if backend is None:
                    yield SendResult.failed(
                        delivery.pk,
                        f"no social backend named {delivery.address!r} is configured "
                        f"(configured: {', '.join(backends) or 'none'})",
                    )
                    continue
                try:
                    text, url = social_text(delivery, language)
                except Exception as exc:  # a broken translation fails this post only
                    yield SendResult.failed(delivery.pk, f"cannot render the post: {exc!r}")
                    continue
                pacer.acquire()
                try:
                    reference = backend.post(
                        delivery=delivery,
                        text=text,
                        url=url,
                        language=language,
                        key=delivery_key(delivery),
                    )
                except SocialRefused as exc:
                    yield SendResult.failed(delivery.pk, str(exc))
                    continue
                yield SendResult.sent(delivery.pk, reference)
        finally:
            for backend in backends.values():
                backend.close()
