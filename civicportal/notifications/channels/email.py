"""Email through the configured Django email backend (SMTP from EMAIL_URL, or anymail).

Each message is rendered in the recipient's language (HTML and plain text) and carries a
Message-ID derived from its delivery, so a copy sent again after a crash has the same
Message-ID as the first.

With Django's SMTP backend configured, each (event, language) is rendered and serialised
once and filled in per recipient (``email_prepared``), and the batch goes out over one SMTP
session of the channel's own (``email_smtp``), opened from the documented ``EMAIL_*``
settings: pipelined (MAIL, RCPT and DATA in one write) when ``NOTIFICATIONS_EMAIL_PIPELINING``
is on and the relay offers it, otherwise through ``smtplib.SMTP.sendmail``. Either way the
bytes on the wire are the same as the ordinary path's but for the Date header and the MIME
boundary. When the fast path cannot serve the relay the batch carries on over the plain
one; each such fallback is logged at WARNING and counted (``fast_path_fallbacks``), and so
is a group whose preparation failed unexpectedly. Messages that cannot be prepared, and
every message over another backend, go through Django's documented backend API (``open``,
``send_messages``, ``close``). No private attribute of smtplib or Django is used.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpEmailBackend
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from civicportal.notifications.channels.base import Pacer, SendResult, TransientSendError
from civicportal.notifications.channels.email_prepared import (
    Filled,
    Prepared,
    email_message,
)
from civicportal.notifications.channels.email_smtp import (
    FastPathUnavailable,
    PipelinedSession,
    PlainSession,
    Relay,
)
from civicportal.notifications.rendering import (
    delivery_language,
    message_id_for,
    message_render,
)
from civicportal.notifications.tokens import subscriber_url, unsubscribe_url

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery

logger = logging.getLogger(__name__)

# HTTP answers from provider APIs (anymail) that mean "later", not "never".
_TRANSIENT_HTTP_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# Recipients deferred (SMTP 4xx to RCPT) one after another before the batch stops: past it
# the relay is deferring everyone, not one mailbox.
_DEFERRED_IN_A_ROW_MAX = 5
# Where the fast paths' fallbacks are counted, across workers (the cache is Redis): the
# pipelined session giving way to the plain one, a group's preparation failing.
FALLBACKS_KEY = "notifications:email:fast_path_fallbacks"
FALLBACK_LAST_KEY = "notifications:email:fast_path_fallback_last"


@dataclass(frozen=True, slots=True)
class FastPathFallbacks:
    """For a health or delivery panel: how often email left its fast path, and why."""

    count: int
    last_reason: str
    last_at: float | None  # Unix time


def fast_path_fallbacks() -> FastPathFallbacks:
    """How often email left a fast path for a slower one (the pipelined session for
    smtplib's, a prepared message for the ordinary way), and the last reason why."""
    try:
        count = cache.get(FALLBACKS_KEY) or 0
        last = cache.get(FALLBACK_LAST_KEY) or {}
    except Exception:  # a report; the cache being down is reported by /healthz
        logger.warning("Could not read the email fast path's fallbacks", exc_info=True)
        count, last = 0, {}
    return FastPathFallbacks(
        count=int(count), last_reason=last.get("reason", ""), last_at=last.get("at")
    )


def _fallback_count(reason: str) -> None:
    try:
        cache.add(FALLBACKS_KEY, 0, timeout=None)
        cache.incr(FALLBACKS_KEY)
        cache.set(FALLBACK_LAST_KEY, {"reason": reason, "at": time.time()}, timeout=None)
    except Exception:  # counting must not stop the sending
        logger.warning("Could not count an email fast path fallback", exc_info=True)


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class _RecipientDeferred(TransientSendError):
    """The relay deferred this one recipient (4xx to RCPT); the others may go on."""


class _Connections:
    """A batch's connections, each opened when first needed and closed at the end: the
    channel's own SMTP session for prepared messages, Django's backend for the rest."""

    def __init__(self, channel: EmailChannel) -> None:
        self.channel = channel
        self.session: PipelinedSession | PlainSession | None = None
        self.backend = None

    def relay(self) -> PipelinedSession | PlainSession:
        if self.session is None:
            relay = Relay.from_settings()
            try:
                if settings.NOTIFICATIONS_EMAIL_PIPELINING:
                    try:
                        self.session = PipelinedSession(relay)
                    except FastPathUnavailable as exc:
                        self.channel.fall_back(str(exc))
                if self.session is None:
                    self.session = PlainSession(relay)
            except (OSError, smtplib.SMTPException) as exc:
                raise TransientSendError(f"cannot reach the mail relay: {exc!r}") from exc
        return self.session

    def fall_back(self, reason: str) -> PlainSession:
        """Give up the pipelined session mid-batch for a plain one (raises smtplib's or
        the socket's exceptions when that cannot be opened)."""
        self.channel.fall_back(reason)
        self.close_session()
        self.session = PlainSession(Relay.from_settings())
        return self.session

    def django(self):
        if self.backend is None:
            backend = get_connection(fail_silently=False)
            try:
                backend.open()
            except (OSError, smtplib.SMTPException) as exc:
                raise TransientSendError(f"cannot reach the mail relay: {exc!r}") from exc
            self.backend = backend
        return self.backend

    def close_session(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            with suppress(Exception):
                session.close()

    def close(self) -> None:
        self.close_session()
        backend, self.backend = self.backend, None
        if backend is not None:
            with suppress(Exception):
                backend.close()


class EmailChannel:
    """Sends each delivery as one email to its snapshotted address."""

    def __init__(self) -> None:
        self.fallbacks: list[str] = []  # this instance's fast path fallbacks, with reasons

    def address_for(self, user: User) -> str | None:
        return user.email or None

    def message_build(self, delivery: Delivery) -> EmailMultiAlternatives:
        """The email of ``delivery``, with its one-click unsubscribe link (RFC 8058): a
        resident's switches the topic off, a subscriber without an account's ends it."""
        unsubscribe = ""
        if delivery.recipient_id is not None:
            unsubscribe = unsubscribe_url(
                user_id=delivery.recipient_id, topic=delivery.event.kind, channel="email"
            )
        elif delivery.subscriber_id is not None:
            unsubscribe = subscriber_url(delivery.subscriber.token)
        return self._build(delivery, unsubscribe)

    def _build(self, delivery: Delivery, unsubscribe: str) -> EmailMultiAlternatives:
        rendered = message_render(
            event=delivery.event,
            recipient=delivery.recipient,
            language=delivery_language(delivery),
            unsubscribe_url=unsubscribe,
        )
        return email_message(
            rendered=rendered,
            html=rendered.html,
            address=delivery.address,
            message_id=message_id_for(delivery),
            unsubscribe=unsubscribe,
        )

    def fall_back(self, reason: str) -> None:
        """Record that the fast path gave way to the plain one: WARNING, and counted."""
        logger.warning("Email fast path unavailable, sending without pipelining: %s", reason)
        self.fallbacks.append(reason)
        _fallback_count(reason)

    def send_batch(self, deliveries: Iterable[Delivery], *, pacer: Pacer) -> Iterator[SendResult]:
        """Send over one connection, yielding each result as soon as the relay answers.

        Raises ``TransientSendError`` when the relay cannot be reached, drops the
        connection, answers 4xx to the sender or the message (or, for an API provider,
        429/5xx) or refuses the sender. A 5xx for the recipient or the message fails that
        delivery alone. A 4xx for one recipient defers that delivery alone: the batch goes
        on and raises ``TransientSendError`` at its end, so that the deferred rows go back to
        pending (after a few deferrals in a row it stops at once).
        """
        deliveries = list(deliveries)
        if not deliveries:
            return
        connections = _Connections(self)
        prepares = import_string(settings.EMAIL_BACKEND) is SmtpEmailBackend
        deferred: list[TransientSendError] = []
        in_a_row = 0
        try:
            for delivery in deliveries:
                data = None
                if prepares:
                    try:
                        data = self._prepared_bytes(delivery)
                    except Exception:  # the ordinary path says what is wrong with this one
                        logger.debug(
                            "No prepared email for delivery %s", delivery.pk, exc_info=True
                        )
                try:
                    if data is None:
                        result = self._send_one(connections, delivery, pacer)
                    else:
                        result = self._send_bytes(connections, delivery, data, pacer)
                except _RecipientDeferred as exc:
                    deferred.append(exc)
                    in_a_row += 1
                    if in_a_row >= _DEFERRED_IN_A_ROW_MAX:
                        raise TransientSendError(
                            f"the mail relay deferred {in_a_row} recipients in a row: {exc}"
                        ) from exc
                    continue
                in_a_row = 0
                yield result
        finally:
            connections.close()
        if deferred:
            raise TransientSendError(
                f"the mail relay deferred {len(deferred)} recipient(s): {deferred[0]}"
            )

    def _send_one(self, connections: _Connections, delivery: Delivery, pacer: Pacer) -> SendResult:
        """The ordinary way: built as an EmailMessage, sent through Django's backend."""
        try:
            message = self.message_build(delivery)
        except Exception as exc:  # a broken template or translation fails this message only
            return SendResult.failed(delivery.pk, f"cannot render the message: {exc!r}")
        backend = connections.django()
        pacer.acquire()

        def send() -> str | None:
            if not backend.send_messages([message]):
                return None
            return message.extra_headers["Message-ID"]

        return _reported(delivery, send)

    def _send_bytes(
        self, connections: _Connections, delivery: Delivery, data: Filled, pacer: Pacer
    ) -> SendResult:
        """A prepared message over the batch's own SMTP session."""
        session = connections.relay()
        pacer.acquire()

        def send() -> str:
            try:
                session.send(data)
            except FastPathUnavailable as exc:  # not sent: the plain path takes it over
                connections.fall_back(str(exc)).send(data)
            return data.message_id

        return _reported(delivery, send)

    def _prepared_bytes(self, delivery: Delivery) -> Filled | None:
        """The message of ``delivery`` from its group's prepared one, or None for the
        ordinary path (no recipient, a group or value it cannot vouch for).
        """
        if delivery.recipient_id is None:
            return None
        recipient = delivery.recipient
        name = recipient.display_name or ""
        language = delivery_language(delivery)
        key = (delivery.event_id, delivery.event.idempotency_key, language, bool(name))
        try:
            group = _prepared_groups[key]
            _prepared_groups.move_to_end(key)
        except KeyError:
            try:
                group = Prepared.build(self._build, delivery, language=language, named=key[3])
            except Exception as exc:  # the ordinary path reports what is wrong, per message
                # Unexpected (a library that changed under us?): every message of the group
                # now takes the slower ordinary path, so say so once per group.
                logger.warning("No prepared email for %s", key, exc_info=True)
                _fallback_count(f"preparing the message failed: {exc!r}")
                group = None
            _prepared_groups[key] = group
            while len(_prepared_groups) > _PREPARED_GROUPS_MAX:
                _prepared_groups.popitem(last=False)
        if group is None:
            return None
        return group.fill(
            address=delivery.address,
            message_id=message_id_for(delivery),
            name=name,
            unsubscribe=group.unsubscribe_url(delivery.recipient_id),
        )


# Prepared messages per (event, its key, language, named recipient?), kept by the worker
# process across batches: a fan-out's chunks of one event come to the same process again
# and again, and preparing (three renderings and a comparison) costs as much as sending
# dozens of messages. An event never changes once created; a settings change (tests)
# forgets them all. The event's key is part of the name so that a reused id never matches.
_PREPARED_GROUPS_MAX = 64
_prepared_groups: OrderedDict[tuple[int, str, str, bool], Prepared | None] = OrderedDict()


@receiver(setting_changed)
def _prepared_groups_forget(*, setting: str, **kwargs) -> None:
    if setting != "NOTIFICATIONS_EMAIL_PIPELINING":  # how they are sent, not what they are
        _prepared_groups.clear()


def _reported(delivery: Delivery, send: Callable[[], str | None]) -> SendResult:
    """Run one send (returning the Message-ID, or None if nothing was accepted) and say
    what became of it; raises ``TransientSendError`` when it should be tried again later.
    """
    try:
        message_id = send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _reply in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return SendResult.failed(delivery.pk, f"recipient refused: {exc.recipients!r}")
        if codes and all(400 <= code < 500 and code != 421 for code in codes):
            raise _RecipientDeferred(f"recipient deferred: {exc.recipients!r}") from exc
        raise TransientSendError(f"the mail relay deferred: {exc.recipients!r}") from exc
    except (smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError) as exc:
        # The relay refuses *us*: every message would fail alike until someone fixes the
        # configuration, so keep them all pending rather than failing them.
        raise TransientSendError(f"the mail relay refuses the sender: {exc!r}") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            return SendResult.failed(delivery.pk, f"message refused: {exc!r}")
        raise TransientSendError(f"the mail relay deferred: {exc!r}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientSendError(f"the mail relay connection failed: {exc!r}") from exc
    except Exception as exc:
        status = getattr(exc, "status_code", None)
        if status in _TRANSIENT_HTTP_STATUSES:
            raise TransientSendError(
                f"the email provider answered {status}: {exc!r}", retry_after=_retry_after(exc)
            ) from exc
        return SendResult.failed(delivery.pk, f"the email backend refused it: {exc!r}")
    if message_id is None:
        return SendResult.failed(delivery.pk, "the email backend accepted no message")
    return SendResult.sent(delivery.pk, message_id)
