"""Web push (RFC 8030/8291/8292) with VAPID keys from settings, sent with pywebpush.

A push delivery goes to every browser the recipient subscribed (their ``PushSubscription``
rows as they are at send time). Each request carries:

- ``TTL`` (``NOTIFICATIONS_PUSH_TTL``) and ``Urgency`` (``high`` for urgent events);
- ``Topic`` derived from the delivery, so a copy sent again after a crash or a retry
  replaces the first on the device instead of showing twice.

The push service's answer decides: 2xx delivered; 404/410 the subscription is gone, so it
is deleted; 429/5xx (or no answer) is transient: the batch goes back to pending and is
retried with backoff, never dropped; a redirect (never followed) or any other 4xx fails
that subscription.

Requests go only to push services on ``NOTIFICATIONS_PUSH_HOSTS``, through the outbound
guard (civicportal/kernel/outbound_async.py): an endpoint off the list, or whose host
resolves to a private address, fails that subscription without a byte sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Coroutine, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException

from civicportal.kernel.outbound import OutboundRefused
from civicportal.kernel.outbound_async import OutboundClient, OutboundUnreachable
from civicportal.notifications.channels.base import Pacer, SendResult, TransientSendError
from civicportal.notifications.channels.http import FarSide, FarSideRefused, answer_check
from civicportal.notifications.channels.push_endpoints import push_endpoint_problem
from civicportal.notifications.rendering import (
    MessageTexts,
    delivery_key,
    delivery_language,
    message_texts,
)

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery, PushSubscription

# Browsers cap the encrypted payload at 4 KiB; keep the body well inside it.
_BODY_LIMIT = 1000
# VAPID JWTs may live up to 24 h (RFC 8292); renew well before.
_JWT_LIFETIME = 12 * 3600

PUSH_SERVICE = FarSide(
    name="the push service",
    unreachable="cannot reach the push service",
    guard_refused="not sent",
    refusal="the push service refused it",
)


def vapid_key_load() -> Vapid02:
    """The configured VAPID private key (raw base64url, DER base64url or PEM)."""
    private_key = settings.NOTIFICATIONS_VAPID_PRIVATE_KEY
    if not private_key:
        raise ImproperlyConfigured(
            "Web push needs NOTIFICATIONS_VAPID_PRIVATE_KEY and NOTIFICATIONS_VAPID_PUBLIC_KEY; "
            "generate a pair with `python manage.py vapid_keys`."
        )
    try:
        if "-----BEGIN" in private_key:
            return Vapid02.from_pem(private_key.encode())
        return Vapid02.from_string(private_key)
    except Exception as exc:
        raise ImproperlyConfigured(
            f"NOTIFICATIONS_VAPID_PRIVATE_KEY is not a usable P-256 private key: {exc}"
        ) from exc


def push_topic(delivery: Delivery) -> str:
    """RFC 8030 ``Topic``: at most 32 characters of the URL-safe base64 alphabet."""
    digest = hashlib.sha256(delivery_key(delivery).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def push_payload(delivery: Delivery, texts: MessageTexts | None = None) -> bytes:
    """The JSON the service worker shows: title, body, link, and a tag for replacement.

    ``texts`` are the event's texts in the recipient's language, when the caller has them.
    """
    if texts is None:
        texts = message_texts(event=delivery.event, language=delivery_language(delivery))
    body = " ".join(texts.body.split())
    if len(body) > _BODY_LIMIT:
        body = body[: _BODY_LIMIT - 1].rstrip() + "…"
    payload = {
        "title": texts.subject,
        "body": body,
        "url": texts.url,
        "tag": push_topic(delivery),
        "urgent": delivery.event.urgent,
    }
    return json.dumps(payload, ensure_ascii=False).encode()


class _VapidSigner:
    """One signed VAPID header per push service origin, reused while it is fresh."""

    def __init__(self) -> None:
        self.key = vapid_key_load()
        self.subject = settings.NOTIFICATIONS_VAPID_SUBJECT
        self.cache: dict[str, tuple[float, str]] = {}

    def authorization(self, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self.cache.get(audience)
        if cached and cached[0] - now > 600:
            return cached[1]
        expires = int(now + _JWT_LIFETIME)
        claims = {"aud": audience, "exp": expires, "sub": self.subject}
        header = self.key.sign(claims)["Authorization"]
        self.cache[audience] = (expires, header)
        return header


class PushChannel:
    """Sends each delivery to each of the recipient's push subscriptions."""

    # Results the worker may write at once (base.py): a push sent again after a crash
    # carries the same Topic and tag, so it replaces the first instead of adding one.
    results_held = 32

    def address_for(self, user: User) -> str | None:
        return self.addresses_for([user]).get(user.pk)

    def addresses_for(self, users: list[User]) -> dict[int, str]:
        """Users with at least one subscription (one query); the address stays empty
        because the browsers are looked up when the message is sent."""
        from civicportal.notifications.models import PushSubscription

        ids = set(
            PushSubscription.objects.filter(user__in=[u.pk for u in users]).values_list(
                "user_id", flat=True
            )
        )
        return dict.fromkeys(ids, "")

    def send_batch(self, deliveries: Iterable[Delivery], *, pacer: Pacer) -> Iterator[SendResult]:
        """Sends the batch with up to ``NOTIFICATIONS_PUSH_CONCURRENCY`` requests in flight;
        yields each delivery's result, in the batch's order.

        A push service answers in tens of milliseconds over the internet, and a worker that
        waited for each answer before the next request would spend most of an alert
        waiting. So the requests (encrypting the payload, sending it and reading the answer,
        which touch no database) run on an event loop of the batch's own thread, through
        one guarded client (civicportal/kernel/outbound_async.py): many in flight, little
        CPU each, no threads taking turns at the GIL. Everything else stays on the worker's
        thread: the texts, the pacing, the VAPID signature, each result as it comes back,
        and the database writes.

        Raises ``TransientSendError`` on 429/5xx or when a push service cannot be reached,
        once the requests already in flight have answered and their results are yielded
        (they may well have been delivered); the batch's other deliveries are not sent.
        """
        from civicportal.notifications.models import PushSubscription

        deliveries = list(deliveries)
        if not deliveries:
            return
        signer = _VapidSigner()
        subscriptions: dict[int, list[PushSubscription]] = {}
        for subscription in PushSubscription.objects.filter(
            user__in={d.recipient_id for d in deliveries}
        ).order_by("id"):
            subscriptions.setdefault(subscription.user_id, []).append(subscription)
        # Each (event, language)'s texts once per batch: a fan-out's chunk is one event.
        texts: dict[tuple[int, str], MessageTexts] = {}
        limit = max(settings.NOTIFICATIONS_PUSH_CONCURRENCY, 1)
        loop = _BatchLoop(
            [browser.endpoint for browsers in subscriptions.values() for browser in browsers],
            limit=limit,
        )
        delivered: list[int] = []
        gone: list[int] = []
        in_flight: deque[Future[_Outcome]] = deque()
        stopped: BaseException | None = None

        def collect(future: Future[_Outcome]) -> SendResult | None:
            nonlocal stopped
            try:
                outcome = future.result()
            except BaseException as exc:  # the first error stops the batch; later ones add nothing
                stopped = stopped or exc
                return None
            delivered.extend(outcome.delivered)
            gone.extend(outcome.gone)
            return outcome.result

        try:
            for delivery in deliveries:
                if stopped is not None:
                    break
                job = self._prepare(delivery, subscriptions, signer, pacer, texts)
                if isinstance(job, SendResult):
                    yield job
                    continue
                while len(in_flight) >= limit:
                    result = collect(in_flight.popleft())
                    if result is not None:
                        yield result
                in_flight.append(loop.submit(job.send(loop.client)))
            while in_flight:
                result = collect(in_flight.popleft())
                if result is not None:
                    yield result
        finally:
            for future in in_flight:  # the caller stopped early: let nothing run on
                future.cancel()
            loop.close()
            # Bookkeeping, not a delivery record: one write per batch, not per message.
            if gone:
                PushSubscription.objects.filter(pk__in=gone).delete()
            if delivered:
                PushSubscription.objects.filter(pk__in=delivered).update(
                    last_success_at=timezone.now()
                )
        if stopped is not None:
            raise stopped

    def _prepare(
        self,
        delivery: Delivery,
        subscriptions: dict[int, list[PushSubscription]],
        signer: _VapidSigner,
        pacer: Pacer,
        texts: dict[tuple[int, str], MessageTexts],
    ) -> SendResult | _PushJob:
        """What one delivery's requests need, on the worker's thread; or its result, when
        there is nothing to send."""
        browsers = subscriptions.get(delivery.recipient_id, [])
        if not browsers:
            return SendResult.failed(delivery.pk, "the recipient has no push subscription left")
        try:
            key = (delivery.event_id, delivery_language(delivery))
            if key not in texts:
                texts[key] = message_texts(event=delivery.event, language=key[1])
            payload = push_payload(delivery, texts[key])
        except Exception as exc:  # a broken translation fails this message only
            return SendResult.failed(delivery.pk, f"cannot render the message: {exc!r}")
        headers = {
            "Urgency": "high" if delivery.event.urgent else "normal",
            "Topic": push_topic(delivery),
        }
        browser_requests: list[tuple[PushSubscription, dict[str, str]]] = []
        refused: list[str] = []
        for subscription in browsers:
            problem = push_endpoint_problem(subscription.endpoint)
            if problem:  # a row saved before the list existed or was narrowed
                refused.append(f"not sent: {problem}")
                continue
            pacer.acquire()
            signed = {**headers, "Authorization": signer.authorization(subscription.endpoint)}
            browser_requests.append((subscription, signed))
        if not browser_requests:
            return SendResult.failed(delivery.pk, "; ".join(refused))
        return _PushJob(
            delivery=delivery, payload=payload, requests=browser_requests, errors=refused
        )


@dataclass
class _Outcome:
    result: SendResult
    delivered: list[int] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)


@dataclass
class _PushJob:
    """One delivery's requests, one per browser, sent on a pool thread (no database)."""

    delivery: Delivery
    payload: bytes
    requests: list[tuple[PushSubscription, dict[str, str]]]
    errors: list[str]

    async def send(self, client: OutboundClient) -> _Outcome:
        delivered: list[int] = []
        gone: list[int] = []
        errors = list(self.errors)
        for subscription, headers in self.requests:
            try:
                encrypted = WebPusher(subscription.subscription_info()).encode(self.payload)
            except (WebPushException, ValueError, TypeError) as exc:
                # The subscription's keys cannot encrypt a message: it will never work.
                gone.append(subscription.pk)
                errors.append(f"unusable subscription keys: {exc}")
                continue
            try:
                response = await client.post(
                    subscription.endpoint,
                    data=encrypted["body"],
                    headers={
                        **headers,
                        "Content-Encoding": "aes128gcm",
                        "TTL": str(settings.NOTIFICATIONS_PUSH_TTL),
                    },
                    timeout=settings.NOTIFICATIONS_PUSH_TIMEOUT,
                )
            except OutboundRefused as exc:
                errors.append(f"{PUSH_SERVICE.guard_refused}: {exc}")
                continue
            except OutboundUnreachable as exc:
                raise TransientSendError(f"{PUSH_SERVICE.unreachable}: {exc}") from exc
            status = response.status_code
            if status in (404, 410):
                gone.append(subscription.pk)
                errors.append(f"{PUSH_SERVICE.name} answered {status}: subscription expired")
                continue
            try:
                # 429/5xx raise TransientSendError: the whole batch is tried again later.
                answer_check(response, PUSH_SERVICE)
            except FarSideRefused as exc:  # this browser only
                errors.append(str(exc))
            else:
                delivered.append(subscription.pk)
        pk = self.delivery.pk
        if delivered:
            result = SendResult.sent(pk, push_topic(self.delivery))
        else:
            result = SendResult.failed(pk, "; ".join(errors))
        return _Outcome(result=result, delivered=delivered, gone=gone)


_T = TypeVar("_T")


class _BatchLoop:
    """An event loop on a thread of its own for one batch, with the batch's guarded client:
    the worker's thread hands it requests and reads their outcomes as futures."""

    def __init__(self, urls: list[str], *, limit: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="push", daemon=True)
        self.thread.start()
        self.client = OutboundClient(
            urls=urls, allowed_hosts=settings.NOTIFICATIONS_PUSH_HOSTS, limit=limit
        )
        self.submit(self.client.__aenter__()).result()

    def submit(self, coroutine: Coroutine[Any, Any, _T]) -> Future[_T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    async def _shut(self) -> None:
        """Requests still running (the caller stopped early) end before the client."""
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self.client.__aexit__(None, None, None)

    def close(self) -> None:
        try:
            self.submit(self._shut()).result()
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
            self.loop.close()
