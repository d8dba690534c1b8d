"""Email through the configured Django email backend (SMTP from EMAIL_URL, or anymail).

One connection serves a whole batch. Each message is rendered in the recipient's
language (HTML and plain text) and carries a Message-ID derived from its delivery, so a
copy sent again after a crash has the same Message-ID as the first.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from civicportal.notifications.channels.base import Pacer, SendResult, TransientSendError
from civicportal.notifications.rendering import message_id_for, message_render
from civicportal.notifications.tokens import unsubscribe_url

if TYPE_CHECKING:
    from civicportal.accounts.models import User
    from civicportal.notifications.models import Delivery

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
        rendered = message_render(
            event=delivery.event, recipient=delivery.recipient, unsubscribe_url=unsubscribe
        )
        headers = {
            "Message-ID": message_id_for(delivery),
            "Content-Language": rendered.language,
            # RFC 3834: no out-of-office replies to the portal.
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        }
        if unsubscribe:
            headers["List-Unsubscribe"] = f"<{unsubscribe}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.address],
            headers=headers,
        )
        message.attach_alternative(rendered.html, "text/html")
        return message

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
                yield self._send_one(connection, delivery, pacer)
        finally:
            with suppress(Exception):
                connection.close()

    def _send_one(self, connection, delivery: Delivery, pacer: Pacer) -> SendResult:
        try:
            message = self.message_build(delivery)
        except Exception as exc:  # a broken template or translation fails this message only
            return SendResult.failed(delivery.pk, f"cannot render the message: {exc!r}")
        pacer.acquire()
        try:
            sent = connection.send_messages([message])
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
        if not sent:
            return SendResult.failed(delivery.pk, "the email backend accepted no message")
        return SendResult.sent(delivery.pk, message.extra_headers["Message-ID"])
