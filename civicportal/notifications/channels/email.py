"""Email through the configured Django email backend (SMTP from EMAIL_URL, or anymail).

One connection serves a whole batch. Each message is rendered in the recipient's
language (HTML and plain text) and carries a Message-ID derived from its delivery, so a
copy sent again after a crash has the same Message-ID as the first.

Over Django's SMTP backend each (event, language) is rendered and serialised once and
filled in per recipient (``email_prepared``), with the same bytes on the wire as the
ordinary path but for the Date header and the MIME boundary.
"""

from __future__ import annotations

import logging
import smtplib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from typing import TYPE_CHECKING

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpEmailBackend
from django.core.signals import setting_changed
from django.dispatch import receiver

from civicportal.notifications.channels.base import Pacer, SendResult, TransientSendError
from civicportal.notifications.channels.email_prepared import (
    Filled,
    Prepared,
    email_message,
    sendmail_filled,
)
from civicportal.notifications.rendering import (
    language_for,
    message_id_for,
    message_render,
)
from civicportal.notifications.tokens import unsubscribe_url

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery

logger = logging.getLogger(__name__)

# HTTP answers from provider APIs (anymail) that mean "later", not "never".
_TRANSIENT_HTTP_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class EmailChannel:
    """Sends each delivery as one email to its snapshotted address."""

    def address_for(self, user: User) -> str | None:
        return user.email or None

    def message_build(self, delivery: Delivery) -> EmailMultiAlternatives:
        """The email of ``delivery``, with its one-click unsubscribe link (RFC 8058)."""
        unsubscribe = ""
        if delivery.recipient_id is not None:
            unsubscribe = unsubscribe_url(
                user_id=delivery.recipient_id, topic=delivery.event.kind, channel="email"
            )
        return self._build(delivery, unsubscribe)

    def _build(self, delivery: Delivery, unsubscribe: str) -> EmailMultiAlternatives:
        rendered = message_render(
            event=delivery.event, recipient=delivery.recipient, unsubscribe_url=unsubscribe
        )
        return email_message(
            rendered=rendered,
            html=rendered.html,
            address=delivery.address,
            message_id=message_id_for(delivery),
            unsubscribe=unsubscribe,
        )

    def send_batch(self, deliveries: Iterable[Delivery], *, pacer: Pacer) -> Iterator[SendResult]:
        """Send over one connection, yielding each result as soon as the relay answers.

        Raises ``TransientSendError`` when the relay cannot be reached, drops the
        connection, answers 4xx (or, for an API provider, 429/5xx) or refuses the sender.
        A 5xx for the recipient or the message fails that delivery alone.
        """
        deliveries = list(deliveries)
        if not deliveries:
            return
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientSendError(f"cannot reach the mail relay: {exc!r}") from exc
        try:
            for delivery in deliveries:
                try:
                    data = self._prepared_bytes(connection, delivery)
                except Exception:  # the ordinary path says what is wrong with this one
                    logger.debug("No prepared email for delivery %s", delivery.pk, exc_info=True)
                    data = None
                if data is None:
                    yield self._send_one(connection, delivery, pacer)
                else:
                    yield self._send_bytes(connection, delivery, data, pacer)
        finally:
            with suppress(Exception):
                connection.close()

    def _send_one(self, connection, delivery: Delivery, pacer: Pacer) -> SendResult:
        try:
            message = self.message_build(delivery)
        except Exception as exc:  # a broken template or translation fails this message only
            return SendResult.failed(delivery.pk, f"cannot render the message: {exc!r}")
        pacer.acquire()

        def send() -> str | None:
            if not connection.send_messages([message]):
                return None
            return message.extra_headers["Message-ID"]

        return _reported(delivery, send)

    def _send_bytes(
        self, connection: SmtpEmailBackend, delivery: Delivery, data: Filled, pacer: Pacer
    ) -> SendResult:
        """What ``_send_one`` does through Django's SMTP backend, with the bytes ready."""
        pacer.acquire()

        def send() -> str:
            with connection._lock:
                sendmail_filled(connection.connection, data)
            return data.message_id

        return _reported(delivery, send)

    def _prepared_bytes(self, connection, delivery: Delivery) -> Filled | None:
        """The message of ``delivery`` from its group's prepared one, or None for the
        ordinary path (another backend, no recipient, a group or value it cannot vouch for).
        """
        if (
            type(connection) is not SmtpEmailBackend
            or connection.connection is None
            or delivery.recipient_id is None
        ):
            return None
        recipient = delivery.recipient
        name = recipient.display_name or ""
        language = language_for(recipient)
        key = (delivery.event_id, delivery.event.idempotency_key, language, bool(name))
        try:
            group = _prepared_groups[key]
            _prepared_groups.move_to_end(key)
        except KeyError:
            try:
                group = Prepared.build(self._build, delivery, language=language, named=key[3])
            except Exception:  # the ordinary path reports what is wrong, per message
                logger.debug("No prepared email for %s", key, exc_info=True)
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
def _prepared_groups_forget(**kwargs) -> None:
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
        raise TransientSendError(f"recipient deferred: {exc.recipients!r}") from exc
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
