"""Phone numbers for SMS: a resident proves a number is theirs with a 6-digit code.

The code goes out through the SMS backend directly (not the outbox), is stored only as an
HMAC, expires after ``NOTIFICATIONS_PHONE_CODE_TTL`` seconds, and allows
``NOTIFICATIONS_PHONE_CODE_ATTEMPTS`` wrong tries; a new code can be asked for after
``NOTIFICATIONS_PHONE_CODE_RESEND_AFTER`` seconds.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.channels.sms import SmsRefused, sms_send
from civicportal.notifications.models import PhoneNumber
from civicportal.notifications.rendering import language_for

logger = logging.getLogger(__name__)

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SALT = "civicportal.notifications.phone-code"


def phone_number_normalise(raw: str) -> str:
    """``+354 555-1234`` → ``+3545551234``; ``00`` counts as ``+``. Raises ``ValidationError``."""
    number = re.sub(r"[\s\-().]", "", raw or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    if not _E164.match(number):
        raise ValidationError(
            _(
                "Enter the number in international format, starting with + and the country "
                "code, e.g. +354 555 1234."
            ),
            code="number",
        )
    return number


def _code_hash(phone: PhoneNumber, code: str) -> str:
    return salted_hmac(
        _SALT, f"{phone.user_id}:{phone.number}:{code}", algorithm="sha256"
    ).hexdigest()


def phone_number_start(*, user: User, number: str) -> PhoneNumber:
    """Set ``user``'s number (unverified) and text them a new code.

    Locks the user's row (select_for_update) so two clicks send one code. The code is sent
    inside the transaction: if the SMS backend fails, nothing is stored and the resident
    is told to try again. Raises ``ValidationError`` for a malformed number, a number
    already verified, a code asked for too soon after the last, or a failed send.
    """
    number = phone_number_normalise(number)
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        phone = PhoneNumber.objects.filter(user=user).first()
        if phone is not None and phone.number == number and phone.is_verified:
            raise ValidationError(_("This number is already verified."), code="verified")
        resend_after = timedelta(seconds=settings.NOTIFICATIONS_PHONE_CODE_RESEND_AFTER)
        if (
            phone is not None
            and phone.number == number
            and phone.code_sent_at is not None
            and now - phone.code_sent_at < resend_after
        ):
            raise ValidationError(
                _("A code was sent a moment ago. Wait a minute before asking for another."),
                code="too_soon",
            )
        phone = phone or PhoneNumber(user=user)
        code = f"{secrets.randbelow(1_000_000):06d}"
        phone.number = number
        phone.verified_at = None
        phone.code_sent_at = now
        phone.code_attempts = 0
        phone.code_hash = _code_hash(phone, code)
        phone.full_clean(exclude=["user"])
        phone.save()
        with translation.override(language_for(user)):
            text = _("%(code)s is your %(site)s code. It expires in %(minutes)s minutes.") % {
                "code": code,
                "site": settings.SITE_NAME,
                "minutes": settings.NOTIFICATIONS_PHONE_CODE_TTL // 60,
            }
        try:
            sms_send(to=number, text=text, key=f"phone-code-{phone.pk}-{int(now.timestamp())}")
        except (TransientSendError, SmsRefused) as exc:
            logger.warning("Could not send a phone verification code: %s", exc)
            raise ValidationError(
                _(
                    "We could not send a text message to this number just now. Check the "
                    "number, or try again in a few minutes."
                ),
                code="send_failed",
            ) from exc
    return phone


def phone_number_verify(*, user: User, code: str) -> PhoneNumber:
    """Check ``code`` against the last one sent; on a match the number is verified.

    The row is locked (select_for_update) so parallel guesses each count. A wrong code is
    counted (and committed) before the ``ValidationError`` is raised.
    """
    code = re.sub(r"\s", "", code or "")
    now = timezone.now()
    error: ValidationError | None = None
    with transaction.atomic():
        phone = PhoneNumber.objects.select_for_update().filter(user=user).first()
        if phone is None or phone.is_verified or not phone.code_hash:
            raise ValidationError(_("Ask for a code first."), code="no_code")
        expired = now - phone.code_sent_at > timedelta(
            seconds=settings.NOTIFICATIONS_PHONE_CODE_TTL
        )
        if expired:
            error = ValidationError(_("This code has expired. Ask for a new one."), code="expired")
        elif phone.code_attempts >= settings.NOTIFICATIONS_PHONE_CODE_ATTEMPTS:
            error = ValidationError(_("Too many wrong codes. Ask for a new one."), code="too_many")
        elif not (len(code) == 6 and code.isdigit()) or not constant_time_compare(
            _code_hash(phone, code), phone.code_hash
        ):
            phone.code_attempts += 1
            phone.save(update_fields=["code_attempts"])
            left = settings.NOTIFICATIONS_PHONE_CODE_ATTEMPTS - phone.code_attempts
            error = ValidationError(
                _("That code is not right. Tries left: %(left)s.") % {"left": left}
                if left > 0
                else _("That code is not right, and it was the last try. Ask for a new code."),
                code="wrong",
            )
        else:
            phone.verified_at = now
            phone.code_hash = ""
            phone.code_attempts = 0
            phone.save(update_fields=["verified_at", "code_hash", "code_attempts"])
    if error is not None:
        raise error
    return phone


def phone_number_delete(*, user: User) -> int:
    """Forget ``user``'s number; SMS stops. Returns how many rows went (0 or 1)."""
    deleted, _by_model = PhoneNumber.objects.filter(user=user).delete()
    return deleted
