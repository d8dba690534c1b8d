"""SMS through a pluggable backend (``NOTIFICATIONS_SMS_BACKEND``), and the SMS channel.

Backends: ``console`` (logs each message), ``file`` (appends one JSON line per message to
``NOTIFICATIONS_SMS_FILE_PATH``) and ``http``, a generic HTTP gateway: it POSTs JSON
``{"to", "text", "sender", "reference"}`` to ``NOTIFICATIONS_SMS_GATEWAY_URL`` with
``Authorization: Bearer NOTIFICATIONS_SMS_GATEWAY_TOKEN`` and an ``Idempotency-Key``
header naming the delivery, so a gateway drops a repeat of a message it already took.
Through the outbound guard (civicportal/kernel/outbound.py): a gateway on a private address
is refused and a redirect is not followed; both fail the message. A dotted path to a class
of your own works too.

Phone verification codes use the backend directly (``sms_send``), not the outbox: they are
wanted within seconds and are worthless a few minutes later.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from civicportal.notifications.channels.base import Pacer, SendResult, TransientSendError
from civicportal.notifications.channels.http import FarSide, FarSideRefused, JsonEndpoint
from civicportal.notifications.rendering import (
    delivery_key,
    delivery_language,
    message_texts,
)
from civicportal.notifications.tokens import subscriber_url

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery

logger = logging.getLogger(__name__)

BACKEND_ALIASES = {
    "console": "civicportal.notifications.channels.sms.ConsoleSmsBackend",
    "file": "civicportal.notifications.channels.sms.FileSmsBackend",
    "http": "civicportal.notifications.channels.sms.HttpGatewaySmsBackend",
}


class SmsRefused(FarSideRefused):
    """The gateway will never take this message (bad number, text, account): do not retry."""


SMS_GATEWAY = FarSide(
    name="the SMS gateway",
    unreachable="cannot reach the SMS gateway",
    guard_refused="not sent to the SMS gateway",
    refusal="the SMS gateway refused it",
)


class SmsBackend:
    """Base class: ``send`` one text; ``open``/``close`` bracket a batch (a connection)."""

    def open(self) -> None:
        """Prepare a batch (an HTTP session); the default needs nothing."""

    def close(self) -> None:
        """End the batch."""

    def __enter__(self) -> SmsBackend:
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, *, to: str, text: str, key: str) -> str:
        """Send ``text`` to ``to`` (E.164); return the gateway's message id, if any.

        ``key`` names the message for the gateway's de-duplication. Raises
        ``TransientSendError`` (try later) or ``SmsRefused`` (never).
        """
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Logs each message: the embedded default, for trying the portal out."""

    def send(self, *, to: str, text: str, key: str) -> str:
        logger.info("SMS to %s (%s): %s", to, key, text)
        return ""


class FileSmsBackend(SmsBackend):
    """Appends ``{"to", "text", "key", "sent_at"}`` as one JSON line per message."""

    _lock = threading.Lock()

    def __init__(self) -> None:
        path = settings.NOTIFICATIONS_SMS_FILE_PATH
        if not path:
            raise ImproperlyConfigured(
                "The file SMS backend needs NOTIFICATIONS_SMS_FILE_PATH (a file to append to)."
            )
        self.path = Path(path)

    def send(self, *, to: str, text: str, key: str) -> str:
        line = json.dumps(
            {"to": to, "text": text, "key": key, "sent_at": timezone.now().isoformat()},
            ensure_ascii=False,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as sms_file:
                # One write per line: appends of one short line do not interleave.
                sms_file.write(line + "\n")
        except OSError as exc:
            raise TransientSendError(f"cannot write the SMS file {self.path}: {exc}") from exc
        return key


class HttpGatewaySmsBackend(SmsBackend):
    """A JSON-over-HTTPS gateway with bearer token and idempotency key (module docstring).

    2xx: sent (the JSON answer's ``id``, if any, is the message id). 429/5xx or no answer:
    transient. A redirect, any other status, or an address the outbound guard refuses:
    refused, with the reason (``channels.http``).
    """

    def __init__(self) -> None:
        url = settings.NOTIFICATIONS_SMS_GATEWAY_URL
        if not url:
            raise ImproperlyConfigured(
                "The HTTP SMS backend needs NOTIFICATIONS_SMS_GATEWAY_URL (and usually "
                "NOTIFICATIONS_SMS_GATEWAY_TOKEN)."
            )
        self.sender = settings.NOTIFICATIONS_SMS_SENDER
        self.endpoint = JsonEndpoint(
            url=url,
            token=settings.NOTIFICATIONS_SMS_GATEWAY_TOKEN,
            timeout=settings.NOTIFICATIONS_SMS_TIMEOUT,
            far_side=SMS_GATEWAY,
            refused=SmsRefused,
        )

    def open(self) -> None:
        self.endpoint.open()

    def close(self) -> None:
        self.endpoint.close()

    def send(self, *, to: str, text: str, key: str) -> str:
        answer = self.endpoint.post(
            {"to": to, "text": text, "sender": self.sender, "reference": key}, key=key
        )
        return str(answer.get("id", ""))


def sms_backend_get() -> SmsBackend:
    """A fresh instance of the configured backend."""
    name = settings.NOTIFICATIONS_SMS_BACKEND
    path = BACKEND_ALIASES.get(name, name)
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"NOTIFICATIONS_SMS_BACKEND={name!r} is neither one of "
            f"{', '.join(BACKEND_ALIASES)} nor an importable class path."
        ) from exc
    return backend_class()


def sms_send(*, to: str, text: str, key: str) -> str:
    """Send one text now through the configured backend (phone verification codes)."""
    with sms_backend_get() as backend:
        return backend.send(to=to, text=text, key=key)


def sms_text(delivery: Delivery) -> str:
    """Subject, the start of the body and the link, within ``NOTIFICATIONS_SMS_MAX_LENGTH``.

    A subscriber without an account cannot sign in to switch texts off, and a gateway's
    "reply STOP" is not ours to offer: their text ends with the short link that ends the
    subscription.
    """
    language = delivery_language(delivery)
    texts = message_texts(event=delivery.event, language=language)
    limit = settings.NOTIFICATIONS_SMS_MAX_LENGTH
    tail = f"\n{texts.url}" if texts.url else ""
    if delivery.subscriber_id is not None:
        with translation.override(language):
            stop = gettext("Stop these texts: %(url)s") % {
                "url": subscriber_url(delivery.subscriber.token)
            }
        tail += f"\n{stop}"
    head = texts.subject
    body = " ".join(texts.body.split())
    if body:
        head = f"{head}\n{body}"
    room = max(limit - len(tail), 20)
    if len(head) > room:
        head = head[: room - 1].rstrip() + "…"
    return head + tail


class SmsChannel:
    """Sends each delivery to the recipient's verified phone number, as it was at creation."""

    def address_for(self, user: User) -> str | None:
        return self.addresses_for([user]).get(user.pk)

    def addresses_for(self, users: list[User]) -> dict[int, str]:
        """Verified numbers of ``users`` (one query); users without one are left out."""
        from civicportal.notifications.models import PhoneNumber

        return dict(
            PhoneNumber.objects.filter(
                user__in=[u.pk for u in users], verified_at__isnull=False
            ).values_list("user_id", "number")
        )

    def send_batch(self, deliveries: Iterable[Delivery], *, pacer: Pacer) -> Iterator[SendResult]:
        deliveries = list(deliveries)
        if not deliveries:
            return
        with sms_backend_get() as backend:
            for delivery in deliveries:
                try:
                    text = sms_text(delivery)
                except Exception as exc:  # a broken translation fails this message only
                    yield SendResult.failed(delivery.pk, f"cannot render the message: {exc!r}")
                    continue
                pacer.acquire()
                try:
                    message_id = backend.send(
                        to=delivery.address, text=text, key=delivery_key(delivery)
                    )
                except SmsRefused as exc:
                    yield SendResult.failed(delivery.pk, str(exc))
                    continue
                yield SendResult.sent(delivery.pk, message_id)
