"""Subscribers without an account: signing up, confirming, leaving, and what is kept.

Someone gives an email address or a mobile number, and the choices a topic asks for (for
alerts: areas and severity; ``topics.AnonymousSubscriptions``). Nothing is sent to the
address before its owner confirms it: a link by email (double opt-in), a 6-digit code by
SMS. The choices wait on the row (``pending_choices``) and are applied by the topic only
when confirmed, so whoever types someone else's address changes nothing.

**No address is revealed.** A sign-up answers alike whatever the address's state: a new, an
unconfirmed and a confirmed address are each sent a new confirmation (the owner of a
confirmed one may so change their choices), and errors name only the input or a limit.

**Limits.** ``NOTIFICATIONS_SUBSCRIBE_CLIENT_HOURLY`` sign-ups per client address and
``NOTIFICATIONS_SUBSCRIBE_ADDRESS_HOURLY`` per email address or number, counted in the
cache (``civicportal.kernel.ratelimit``); texts also count against the phone codes' own
limits and the global daily budget (``services.phone``), as every SMS a person can trigger
costs the council money.

**Personal data.** The address is kept on the ``Subscriber`` row (and on its deliveries'
snapshots) only. Leaving (the link in every message) deletes the row, and with it the
deliveries and the topic's choices (cascade); a sign-up nobody confirms within
``NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS`` is deleted by a beat job
(``subscribers_purge_unconfirmed``). The subscriber's page offers what is kept as JSON
(``subscriber_export``). These people have no account, so the account-based personal-data
registry does not apply to them.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import make_msgid
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import select_template
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicportal.kernel.ratelimit import RateLimited, rate_limit_take, seconds_to_next_window
from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.channels.email_prepared import email_message
from civicportal.notifications.channels.sms import SmsRefused, sms_send
from civicportal.notifications.models import SUBSCRIBER_CHANNELS, ChannelName, Subscriber
from civicportal.notifications.rendering import RenderedMessage, language_for
from civicportal.notifications.services.phone import (
    CodeAnswers,
    code_refusal,
    phone_code_budget_spend,
    phone_code_limits_take,
    phone_number_normalise,
    try_again_in,
)
from civicportal.notifications.services.preferences import topic_channels
from civicportal.notifications.tokens import (
    UnsubscribeTokenError,
    subscriber_confirm_token_read,
    subscriber_confirm_url,
    subscriber_url,
)
from civicportal.notifications.topics import AnonymousSubscriptions, Topic, topic_get

logger = logging.getLogger(__name__)

_CODE_SALT = "civicportal.notifications.subscriber-code"
_LIMIT_SALT = "civicportal.notifications.subscribe-limit"
_HOUR = 3600
_LETTERS = re.compile(r"[^\W\d_]")


# --- Reading what was typed ------------------------------------------------------------------


def subscriber_channels(topic: Topic) -> tuple[str, ...]:
    """The channels someone without an account can subscribe to ``topic`` on, here."""
    offered = topic_channels(topic)
    return tuple(channel for channel in SUBSCRIBER_CHANNELS if channel in offered)


def subscriber_address_parse(raw: str, *, channels: tuple[str, ...]) -> tuple[str, str]:
    """``(channel, normalised address)`` of what was typed: an email address (lower case)
    or a mobile number (E.164). Raises ``ValidationError`` naming what to type instead."""
    value = (raw or "").strip()
    by_sms = ChannelName.SMS in channels
    if "@" in value or not by_sms:
        if ChannelName.EMAIL not in channels:
            raise ValidationError(_("Enter a mobile phone number."), code="address")
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                _("Enter an email address, e.g. anna@example.org, or a mobile number.")
                if by_sms
                else _("Enter an email address, e.g. anna@example.org."),
                code="address",
            ) from None
        if len(value) > Subscriber._meta.get_field("address").max_length:
            raise ValidationError(_("This email address is too long."), code="address")
        return ChannelName.EMAIL, value.lower()
    if _LETTERS.search(value):
        raise ValidationError(
            _(
                "Enter an email address, or a mobile number in international format, "
                "e.g. +354 555 1234."
            ),
            code="address",
        )
    return ChannelName.SMS, phone_number_normalise(value)


def _limit_subject(value: str) -> str:
    """An address as a counter's key: a keyed hash, not the personal data itself."""
    return salted_hmac(_LIMIT_SALT, value, algorithm="sha256").hexdigest()[:32]


def _limits_take(*, address: str, client_address: str) -> None:
    """Count one sign-up against the client's and the address's hourly allowances.

    Raises ``RateLimited`` at the first that is used up. The message is the same whether
    or not the address is subscribed: it counts sign-ups, not subscriptions.
    """
    limits = []
    if client_address:
        limits.append(
            (
                "subscribe-client-hour",
                _limit_subject(client_address),
                settings.NOTIFICATIONS_SUBSCRIBE_CLIENT_HOURLY,
                _("Too many sign-ups have come from your network in the last hour."),
            )
        )
    limits.append(
        (
            "subscribe-address-hour",
            _limit_subject(address),
            settings.NOTIFICATIONS_SUBSCRIBE_ADDRESS_HOURLY,
            _("This address has been signed up too often in the last hour."),
        )
    )
    for scope, subject, limit, reason in limits:
        if rate_limit_take(scope=scope, subject=subject, limit=limit, window=_HOUR):
            continue
        wait = seconds_to_next_window(_HOUR)
        raise RateLimited(
            f"{reason} {try_again_in(wait)}", code="too_many_sign_ups", retry_after=wait
        )


def _hooks(topic: Topic) -> AnonymousSubscriptions:
    if topic.anonymous is None:
        raise ValidationError(
            _("“%(topic)s” cannot be subscribed to without an account.") % {"topic": topic.label}
        )
    return topic.anonymous


# --- Signing up ------------------------------------------------------------------------------


def subscriber_start(
    *,
    topic: str,
    address: str,
    choices: dict[str, Any],
    language: str,
    client_address: str = "",
) -> Subscriber:
    """Sign ``address`` up for ``topic`` with ``choices``, and send it a confirmation.

    An email address is sent a link, a phone number a code; ``choices`` wait on the row
    until confirmed (``subscriber_confirm``, ``subscriber_code_verify``). Whatever the
    address's state the caller gets the row and shows the same answer (module docstring).

    One row per (topic, channel, address), under the database constraint: the row is
    inserted if missing (ON CONFLICT DO NOTHING), then locked (select_for_update), so two
    sign-ups at the same moment share one row and send one confirmation each, in turn.
    The confirmation is sent inside the transaction, as phone codes are: if it cannot be
    sent nothing is stored, and the person is told to try again at once.

    Raises ``ValidationError`` for bad input or a failed send, ``RateLimited`` (one) when a
    limit is reached.
    """
    topic_obj = topic_get(topic)
    hooks = _hooks(topic_obj)
    channels = subscriber_channels(topic_obj)
    if not channels:
        raise ValidationError(_("This cannot be subscribed to without an account here."))
    channel, address = subscriber_address_parse(address, channels=channels)
    language = language_for(Subscriber(language=language))
    _limits_take(address=address, client_address=client_address)
    hooks.describe(choices)  # the topic refuses choices it cannot read, before anything
    now = timezone.now()
    with transaction.atomic():
        Subscriber.objects.bulk_create(
            [
                Subscriber(
                    topic=topic_obj.key,
                    channel=channel,
                    address=address,
                    language=language,
                    token=secrets.token_urlsafe(16),
                    created_at=now,
                )
            ],
            ignore_conflicts=True,
        )
        subscriber = Subscriber.objects.select_for_update().get(
            topic=topic_obj.key, channel=channel, address=address
        )
        subscriber.pending_choices = choices
        if not subscriber.is_confirmed:
            subscriber.language = language
        if channel == ChannelName.EMAIL:
            subscriber.confirmation_sent_at = now
            subscriber.save(update_fields=["pending_choices", "language", "confirmation_sent_at"])
            _confirmation_email_send(subscriber, topic_obj, hooks)
        else:
            _confirmation_code_send(subscriber, now=now, client_address=client_address)
    return subscriber


def _confirmation_email_send(
    subscriber: Subscriber, topic: Topic, hooks: AnonymousSubscriptions
) -> None:
    """The double opt-in email: what was asked for, the link to confirm it, and the link
    that deletes the address at once (also as List-Unsubscribe, RFC 8058)."""
    page = subscriber_url(subscriber.token)
    days = settings.NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS
    with translation.override(subscriber.language):
        subject = _("Confirm that you want %(topic)s from %(site)s") % {
            "topic": topic.label,
            "site": settings.SITE_NAME,
        }
        paragraphs = [
            _(
                "Someone, we hope you, asked %(site)s to send %(topic)s to this address, "
                "without an account:"
            )
            % {"site": settings.SITE_NAME, "topic": topic.label},
            "\n".join(hooks.describe(subscriber.pending_choices)),
            _("Nothing is sent to you until you confirm: open the link and press Confirm."),
            ngettext(
                "If it was not you, do nothing: the address is deleted in %(days)s day.",
                "If it was not you, do nothing: the address is deleted in %(days)s days.",
                days,
            )
            % {"days": days},
        ]
        context = {
            "subject": subject,
            "paragraphs": [p for p in paragraphs if p],
            "url": subscriber_confirm_url(subscriber.token),
            "action": _("Confirm my subscription"),
            "entries": [],
            "urgent": False,
            "kind": "notifications.subscriber_confirm",
            "recipient_name": "",
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "council_name": settings.COUNCIL_NAME,
            "brand_primary_color": settings.BRAND_PRIMARY_COLOR,
            "language": subscriber.language,
            "unsubscribe_url": page,
        }
        text = select_template(["notifications/email/base.txt"]).render(context)
        html = select_template(["notifications/email/base.html"]).render(context)
    rendered = RenderedMessage(
        subject=subject,
        text=text.strip() + "\n",
        html=html,
        url=context["url"],
        language=subscriber.language,
    )
    message = email_message(
        rendered=rendered,
        html=html,
        address=subscriber.address,
        message_id=make_msgid(
            domain=settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN
            or urlsplit(settings.SITE_URL).hostname
            or "localhost"
        ),
        unsubscribe=page,
    )
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # any backend's failure: nothing is stored, the person is told
        logger.warning("Could not send a subscription confirmation email: %r", exc)
        raise ValidationError(
            _("We could not send the email just now. Check the address, or try again later."),
            code="send_failed",
        ) from exc


def _code_hash(subscriber: Subscriber, code: str) -> str:
    return salted_hmac(
        _CODE_SALT, f"{subscriber.pk}:{subscriber.address}:{code}", algorithm="sha256"
    ).hexdigest()


def _confirmation_code_send(subscriber: Subscriber, *, now, client_address: str) -> None:
    """Text a new code (the phone codes' limits and budget apply). A code sent less than
    ``NOTIFICATIONS_PHONE_CODE_RESEND_AFTER`` seconds ago stays the one to type, and no
    other is sent: the page says the same either way."""
    fields = ["pending_choices", "language"]
    resend_after = timedelta(seconds=settings.NOTIFICATIONS_PHONE_CODE_RESEND_AFTER)
    if (
        subscriber.code_hash
        and subscriber.confirmation_sent_at is not None
        and now - subscriber.confirmation_sent_at < resend_after
    ):
        subscriber.save(update_fields=fields)
        return
    phone_code_limits_take(user=None, number=subscriber.address, client_address=client_address)
    phone_code_budget_spend()
    code = f"{secrets.randbelow(1_000_000):06d}"
    subscriber.code_hash = _code_hash(subscriber, code)
    subscriber.code_attempts = 0
    subscriber.confirmation_sent_at = now
    subscriber.save(update_fields=[*fields, "code_hash", "code_attempts", "confirmation_sent_at"])
    with translation.override(subscriber.language):
        text = _("%(code)s is your %(site)s code. It expires in %(minutes)s minutes.") % {
            "code": code,
            "site": settings.SITE_NAME,
            "minutes": settings.NOTIFICATIONS_PHONE_CODE_TTL // 60,
        }
    try:
        sms_send(
            to=subscriber.address,
            text=text,
            key=f"subscriber-code-{subscriber.pk}-{int(now.timestamp())}",
        )
    except (TransientSendError, SmsRefused) as exc:
        logger.warning("Could not send a subscription code: %s", exc)
        raise ValidationError(
            _(
                "We could not send a text message to this number just now. Check the "
                "number, or try again in a few minutes."
            ),
            code="send_failed",
        ) from exc


# --- Confirming ------------------------------------------------------------------------------


def _confirm(subscriber: Subscriber, *, now) -> Subscriber:
    """Mark ``subscriber`` (locked) confirmed and have its topic apply the waiting choices."""
    hooks = _hooks(topic_get(subscriber.topic))
    if subscriber.pending_choices:
        hooks.apply(subscriber, subscriber.pending_choices)
    subscriber.confirmed_at = subscriber.confirmed_at or now
    subscriber.pending_choices = {}
    subscriber.code_hash = ""
    subscriber.code_attempts = 0
    subscriber.save(update_fields=["confirmed_at", "pending_choices", "code_hash", "code_attempts"])
    return subscriber


def subscriber_confirm_get(*, signed: str) -> Subscriber:
    """The subscriber a confirmation link names. Raises ``ValidationError`` (``expired``
    or ``invalid``) for a bad, old or used-up link."""
    try:
        token = subscriber_confirm_token_read(signed)
    except UnsubscribeTokenError as error:
        if error.expired:
            raise ValidationError(
                _("This confirmation link has expired. Sign up again to get a new one."),
                code="expired",
            ) from None
        raise ValidationError(_invalid_link(), code="invalid") from None
    subscriber = Subscriber.objects.filter(token=token).first()
    if subscriber is None:
        raise ValidationError(_invalid_link(), code="invalid")
    return subscriber


def _invalid_link() -> str:
    return _(
        "This link is not valid: it may have been cut short, or the subscription was "
        "ended. Nothing was changed. Use the link in the message as it is, or sign up again."
    )


@transaction.atomic
def subscriber_confirm(*, signed: str) -> Subscriber:
    """Confirm the subscription a link names (the button on its page, never the GET a mail
    scanner makes). Idempotent: confirming twice changes nothing more."""
    subscriber = subscriber_confirm_get(signed=signed)
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    return _confirm(subscriber, now=timezone.now())


def subscriber_code_verify(*, subscriber_id: int, code: str) -> Subscriber:
    """Check ``code`` against the last one texted to the subscriber; confirm on a match.

    The row is locked (select_for_update) so parallel guesses each count, and a wrong code
    is counted (and committed) before the ``ValidationError`` is raised.
    """
    code = re.sub(r"\s", "", code or "")
    now = timezone.now()
    error: ValidationError | None = None
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .filter(pk=subscriber_id, channel=ChannelName.SMS)
            .first()
        )
        if subscriber is None or not subscriber.code_hash:
            raise ValidationError(_("Ask for a code first."), code="no_code")
        error = code_refusal(
            subscriber,
            code,
            hashed=lambda typed: _code_hash(subscriber, typed),
            sent_at=subscriber.confirmation_sent_at,
            now=now,
            answers=CodeAnswers(
                expired=_("This code has expired. Sign up again for a new one."),
                too_many=_("Too many wrong codes. Sign up again for a new one."),
                last_try=_("That code is not right, and it was the last try. Sign up again."),
            ),
        )
        if error is None:
            _confirm(subscriber, now=now)
    if error is not None:
        raise error
    return subscriber


# --- Their page: leaving, their data ---------------------------------------------------------


def subscriber_get(*, token: str) -> Subscriber | None:
    """The subscriber whose link carries ``token``, or None (a bad or ended link)."""
    if not token or len(token) > Subscriber._meta.get_field("token").max_length:
        return None
    return Subscriber.objects.filter(token=token).first()


def subscriber_describe(subscriber: Subscriber, *, pending: bool = False) -> list[str]:
    """The subscriber's confirmed choices in words (none before confirmation), or with
    ``pending`` the choices waiting for confirmation."""
    hooks = _hooks(topic_get(subscriber.topic))
    if pending:
        return hooks.describe(subscriber.pending_choices)
    current = hooks.current(subscriber)
    return hooks.describe(current) if current is not None else []


@transaction.atomic
def subscriber_delete(*, token: str) -> bool:
    """End the subscription: the row goes, and with it its deliveries and the topic's
    choices (cascade). True if there was one; deleting twice is harmless."""
    deleted, _by_model = Subscriber.objects.filter(token=token).delete()
    return bool(deleted)


def subscriber_export(*, subscriber: Subscriber) -> dict[str, Any]:
    """Everything kept about ``subscriber``, JSON-ready: the row, the topic's choices, and
    the messages sent to the address."""
    hooks = _hooks(topic_get(subscriber.topic))
    current = hooks.current(subscriber)
    return {
        "topic": subscriber.topic,
        "channel": subscriber.channel,
        "address": subscriber.address,
        "language": subscriber.language,
        "created_at": subscriber.created_at.isoformat(),
        "confirmed_at": subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else None,
        "choices": hooks.describe(current) if current is not None else [],
        "choices_waiting_for_confirmation": hooks.describe(subscriber.pending_choices)
        if subscriber.pending_choices
        else [],
        "messages": [
            {
                "channel": channel,
                "status": status,
                "created_at": created_at.isoformat(),
                "sent_at": sent_at.isoformat() if sent_at else None,
            }
            for channel, status, created_at, sent_at in subscriber.deliveries.order_by(
                "id"
            ).values_list("channel", "status", "created_at", "sent_at")
        ],
    }


def subscribers_purge_unconfirmed(*, now=None) -> int:
    """Delete sign-ups not confirmed within ``NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS``.

    Beat job; safe to run twice. Returns how many addresses were deleted.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS)
    stale = Subscriber.objects.filter(confirmed_at__isnull=True).filter(
        Q(confirmation_sent_at__lt=cutoff)
        | Q(confirmation_sent_at__isnull=True, created_at__lt=cutoff)
    )
    _total, by_model = stale.delete()
    return by_model.get(Subscriber._meta.label, 0)
