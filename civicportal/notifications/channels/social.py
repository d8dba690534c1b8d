"""Cross-posting to the council's official social media accounts.

``NOTIFICATIONS_SOCIAL_BACKENDS`` lists the accounts' backends: ``recording`` (the
default: each post kept as a ``SocialPost`` visible in the admin), ``mastodon``
(social_mastodon.py), ``bluesky`` (social_bluesky.py), ``facebook`` (a Facebook Page,
social_facebook.py), or a dotted class path. A social delivery has no recipient: it is a
broadcast whose address is the backend's name, so each event is posted once per account
(``social_broadcasts``). Posts are written in the portal's default language. Every network
is reached through the outbound guard (civicportal/kernel/outbound.py): no private
address, no redirect followed.

What the compose screen (and the alerts) may put in an event's context, all optional::

    context["social"] = {
        "texts": {"<account name>": "<the exact text, already fitted>"},
        "thread": "<thread key>",            # e.g. "alerts.alert.12"
        "card": {"title": str, "description": str, "image_url": str},
    }

A composed text is posted verbatim (a text over the network's limit fails for good); any
other account gets the rendered message cut to its limit. A post whose thread already has
a post on the same account is a reply under it (to the thread's latest post). Each post
the network takes is written down as one ``SocialPost`` (network, reference for replies,
public address, thread), whatever the backend.

Each account has its own send rate shared by all workers (``NOTIFICATIONS_SOCIAL_RATES``,
posts per second, paced under ``social:<name>``), on top of the channel's rate; a network
that asks to slow down (429 with ``Retry-After``) pauses that account only, and the other
accounts' posts of the batch go on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from civicportal.notifications.channels.base import Pacer, SendResult, TransientSendError
from civicportal.notifications.channels.http import FarSideRefused
from civicportal.notifications.pacing import RatePacer, channel_pause
from civicportal.notifications.rendering import delivery_key, message_texts

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery, SocialPost

BACKEND_ALIASES = {
    "recording": "civicportal.notifications.channels.social.RecordingSocialBackend",
    "mastodon": "civicportal.notifications.channels.social_mastodon.MastodonSocialBackend",
    "bluesky": "civicportal.notifications.channels.social_bluesky.BlueskySocialBackend",
    "facebook": "civicportal.notifications.channels.social_facebook.FacebookSocialBackend",
}


class SocialRefused(FarSideRefused):
    """The network will never take this post (bad token, text refused): do not retry."""


@dataclass(frozen=True, slots=True)
class Card:
    """What a link preview shows: the compose screen's card, or the rendered message's."""

    title: str
    description: str = ""
    image_url: str = ""


@dataclass(frozen=True, slots=True)
class SocialMessage:
    """One post to publish. ``root`` and ``parent`` are the thread's first and latest posts
    on this account when the post is a reply (both None otherwise)."""

    delivery: Delivery
    text: str
    url: str
    language: str
    key: str
    card: Card
    thread: str = ""
    root: SocialPost | None = None
    parent: SocialPost | None = None


@dataclass(frozen=True, slots=True)
class Published:
    """What the network answered: ``reference`` is what a reply on the post needs (a
    status id; a Bluesky record's ``uri|cid``), ``post_url`` the post's public address."""

    reference: str
    post_url: str = ""


class SocialBackend(ABC):
    """One official account. ``name`` is the broadcast address of its deliveries and the
    ``network`` of its ``SocialPost`` rows."""

    name = ""

    @property
    def account(self) -> str:
        """The account's name as staff know it (a handle, a page), for ``SocialPost``."""
        return self.name

    def open(self) -> None:  # noqa: B027 - an optional hook, not every account needs one
        """Prepare a batch (an HTTP session); the default needs nothing."""

    def close(self) -> None:  # noqa: B027 - an optional hook
        """End the batch."""

    @abstractmethod
    def publish(self, message: SocialMessage) -> Published:
        """Publish once, whatever the number of attempts. Raises ``TransientSendError``
        (try again later) or ``SocialRefused`` (never)."""


class RecordingSocialBackend(SocialBackend):
    """Keeps posts as ``SocialPost`` rows only (written by the channel), for staff to see
    and copy; nothing leaves the portal."""

    name = "recording"

    @property
    def account(self) -> str:
        return settings.NOTIFICATIONS_SOCIAL_RECORDING_ACCOUNT

    def publish(self, message: SocialMessage) -> Published:
        return Published(reference=message.key)


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


def social_rates() -> dict[str, int]:
    """Posts per second of each account (``name=rate``, comma-separated, or a dict)."""
    raw = settings.NOTIFICATIONS_SOCIAL_RATES
    if isinstance(raw, dict):
        items = [f"{name}={rate}" for name, rate in raw.items()]
    elif isinstance(raw, str):
        items = [item.strip() for item in raw.split(",") if item.strip()]
    else:
        items = [str(item).strip() for item in raw]
    rates: dict[str, int] = {}
    for item in items:
        name, sep, rate = item.partition("=")
        if not sep or not rate.strip().isdigit() or not name.strip():
            raise ImproperlyConfigured(
                f"NOTIFICATIONS_SOCIAL_RATES item {item!r} is not account=posts_per_second "
                "(e.g. mastodon=1,bluesky=1,facebook=1)."
            )
        rates[name.strip()] = int(rate)
    return rates


def account_pacer(name: str) -> RatePacer:
    """The pacer of one account, shared by all workers (unpaced when it has no rate)."""
    return RatePacer(
        f"social:{name}",
        social_rates().get(name, 0),
        max_wait=settings.NOTIFICATIONS_PACING_MAX_WAIT,
    )


def social_text(delivery: Delivery, language: str, *, limit: int | None = None) -> tuple[str, str]:
    """The post's text (within ``limit``, or ``NOTIFICATIONS_SOCIAL_MAX_LENGTH``) and its link."""
    texts = message_texts(event=delivery.event, language=language)
    if limit is None:
        limit = settings.NOTIFICATIONS_SOCIAL_MAX_LENGTH
    head = texts.subject
    body = " ".join(texts.body.split())
    if body:
        head = f"{head}\n\n{body}"
    return text_fit(head, texts.url, limit=limit), texts.url


def _composed(delivery: Delivery) -> dict:
    """The event's ``context["social"]``, keeping only well-formed parts (it is written by
    the compose screen, which checks it; a malformed part is ignored, not fatal)."""
    social = (delivery.event.context or {}).get("social")
    if not isinstance(social, dict):
        return {}
    composed: dict = {}
    texts = social.get("texts")
    if isinstance(texts, dict):
        composed["texts"] = {str(k): v for k, v in texts.items() if isinstance(v, str)}
    thread = social.get("thread")
    if isinstance(thread, str) and thread.strip():
        composed["thread"] = thread.strip()[:200]
    card = social.get("card")
    if isinstance(card, dict):
        composed["card"] = {k: v for k, v in card.items() if isinstance(v, str)}
    return composed


class _Unpostable(Exception):
    """This post cannot be made (text over the limit, a broken translation): fail it."""


def social_message(delivery: Delivery, backend: SocialBackend, language: str) -> SocialMessage:
    """What ``backend`` should publish for ``delivery``: the composed or rendered text, the
    link, the card, and the thread's posts on this account. Raises ``_Unpostable``."""
    from civicportal.notifications.models import SocialPost

    composed = _composed(delivery)
    name = backend.name
    limit = network_limit(name)
    try:
        texts = message_texts(event=delivery.event, language=language)
        rendered, url = social_text(
            delivery, language, limit=min(limit, settings.NOTIFICATIONS_SOCIAL_MAX_LENGTH)
        )
    except Exception as exc:  # a broken translation fails this post only
        raise _Unpostable(f"cannot render the post: {exc!r}") from exc
    text = composed.get("texts", {}).get(name)
    if text is None:
        text = rendered
    elif not text.strip():
        raise _Unpostable(f"the text composed for {name} is empty")
    elif len(text) > limit:
        raise _Unpostable(
            f"the text composed for {name} has {len(text)} characters; {name} takes at most {limit}"
        )
    card_data = composed.get("card", {})
    card = Card(
        title=(card_data.get("title") or texts.subject)[:300],
        description=(card_data.get("description") or " ".join(texts.body.split()))[:1000],
        image_url=card_data.get("image_url", ""),
    )
    thread = composed.get("thread", "")
    root = parent = None
    if thread:
        earlier = list(
            SocialPost.objects.filter(thread=thread, network=name)
            .exclude(reference="")
            .exclude(delivery_id=delivery.pk)
            .order_by("created_at", "id")
        )
        if earlier:
            root, parent = earlier[0], earlier[-1]
    return SocialMessage(
        delivery=delivery,
        text=text,
        url=url,
        language=language,
        key=delivery_key(delivery),
        card=card,
        thread=thread,
        root=root,
        parent=parent,
    )


def social_post_record(
    *, message: SocialMessage, backend: SocialBackend, published: Published
) -> SocialPost:
    """The one ``SocialPost`` of a delivery the network took (a repeat finds the first)."""
    from civicportal.notifications.models import SocialPost

    post, _created = SocialPost.objects.get_or_create(
        delivery=message.delivery,
        defaults={
            "account": backend.account[:200],
            "network": backend.name[:40],
            "reference": published.reference[:500],
            "post_url": published.post_url[:1000],
            "thread": message.thread,
            "text": message.text,
            "url": message.url,
            "language": message.language,
        },
    )
    return post


class SocialChannel:
    """Broadcast only: residents never get social deliveries of their own."""

    def address_for(self, user: User) -> str | None:
        return None

    def send_batch(self, deliveries: Iterable[Delivery], *, pacer: Pacer) -> Iterator[SendResult]:
        """Post each delivery on its account. A transient failure of one account (its
        deliveries left unreported, so put back to pending) does not hold the others:
        they go on, and ``TransientSendError`` is raised at the end, without a
        ``retry_after`` so the whole channel is not paused for one network."""
        from civicportal.notifications.models import SocialPost

        deliveries = list(deliveries)
        if not deliveries:
            return
        backends = social_backends()
        pacers = {name: account_pacer(name) for name in backends}
        language = settings.LANGUAGE_CODE
        already = {
            post.delivery_id: post
            for post in SocialPost.objects.filter(delivery__in=deliveries).exclude(reference="")
        }
        deferred: dict[str, TransientSendError] = {}
        for backend in backends.values():
            backend.open()
        try:
            for delivery in deliveries:
                name = delivery.address
                backend = backends.get(name)
                if backend is None:
                    yield SendResult.failed(
                        delivery.pk,
                        f"no social backend named {name!r} is configured "
                        f"(configured: {', '.join(backends) or 'none'})",
                    )
                    continue
                if delivery.pk in already:
                    # Posted and written down before a worker died, not yet marked sent.
                    post = already[delivery.pk]
                    yield SendResult.sent(delivery.pk, post.post_url or post.reference)
                    continue
                if name in deferred:
                    continue  # this account is paused or down: its rows go back to pending
                try:
                    message = social_message(delivery, backend, language)
                except _Unpostable as exc:
                    yield SendResult.failed(delivery.pk, str(exc))
                    continue
                pacer.acquire()  # the channel's rate; its pause stops the whole batch
                try:
                    pacers[name].acquire()
                    published = backend.publish(message)
                except TransientSendError as exc:
                    if exc.retry_after:
                        channel_pause(f"social:{name}", exc.retry_after)
                    deferred[name] = exc
                    continue
                except SocialRefused as exc:
                    yield SendResult.failed(delivery.pk, str(exc))
                    continue
                post = social_post_record(message=message, backend=backend, published=published)
                yield SendResult.sent(delivery.pk, post.post_url or post.reference)
        finally:
            for backend in backends.values():
                backend.close()
        if deferred:
            raise TransientSendError("; ".join(f"{name}: {exc}" for name, exc in deferred.items()))
