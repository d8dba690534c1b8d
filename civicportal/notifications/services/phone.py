"""Phone numbers for SMS: a resident proves a number is theirs with a 6-digit code.

The code goes out through the SMS backend directly (not the outbox), is stored only as an
HMAC, expires after ``NOTIFICATIONS_PHONE_CODE_TTL`` seconds, and allows
``NOTIFICATIONS_PHONE_CODE_ATTEMPTS`` wrong tries; a new code can be asked for after
``NOTIFICATIONS_PHONE_CODE_RESEND_AFTER`` seconds.

Every text costs the council money, and a form that texts any number is what "SMS pumping"
fraud looks for (codes sent to premium numbers the fraudster is paid for). So codes are
limited per account (an hour and a day), per number and per client address (an hour), in
the cache's shared counters (``civicportal.kernel.ratelimit``), and by a global daily
budget counted in the database (``PhoneCodeDay``): an hourly counter lost with the cache
only lets a few more codes through, but the budget is the cap on the bill and must hold.
Each refusal says which limit it was and when to try again.
"""

from __future__ import annotations

import logging
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicportal.accounts.models import User
from civicportal.kernel.ratelimit import RateLimited, rate_limit_take, seconds_to_next_window
from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.channels.sms import SmsRefused, sms_send
from civicportal.notifications.models import PhoneCodeDay, PhoneNumber
from civicportal.notifications.rendering import language_for

if TYPE_CHECKING:
    from civicportal.notifications.models import Subscriber

logger = logging.getLogger(__name__)

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SALT = "civicportal.notifications.phone-code"
_LIMIT_SALT = "civicportal.notifications.phone-code-limit"
_HOUR, _DAY = 3600, 86400


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


def try_again_in(seconds: int) -> str:
    """ "Try again in 20 minutes." / "... in 5 hours.", rounded up."""
    minutes = max(math.ceil(seconds / 60), 1)
    if minutes < 90:
        return ngettext(
            "Try again in %(minutes)s minute.", "Try again in %(minutes)s minutes.", minutes
        ) % {"minutes": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("Try again in %(hours)s hour.", "Try again in %(hours)s hours.", hours) % {
        "hours": hours
    }


def _limit_subject(value: str) -> str:
    """A number or address as a counter's key: keyed hash, not the personal data itself."""
    return salted_hmac(_LIMIT_SALT, value, algorithm="sha256").hexdigest()[:32]


def phone_code_limits_take(*, user: User | None, number: str, client_address: str) -> None:
    """Count one code against the account's, the number's and the address's allowances.

    ``user`` None (someone without an account) counts the number and the address only.
    Raises ``RateLimited`` at the first that is used up (the later ones are not counted).
    """
    limits = []
    if user is not None:
        limits += [
            (
                "phone-code-account-hour",
                user.pk,
                settings.NOTIFICATIONS_PHONE_CODE_ACCOUNT_HOURLY,
                _HOUR,
                lambda limit: ngettext(
                    "You have asked for %(limit)s code in the last hour.",
                    "You have asked for %(limit)s codes in the last hour.",
                    limit,
                ),
            ),
            (
                "phone-code-account-day",
                user.pk,
                settings.NOTIFICATIONS_PHONE_CODE_ACCOUNT_DAILY,
                _DAY,
                lambda limit: ngettext(
                    "You have asked for %(limit)s code today.",
                    "You have asked for %(limit)s codes today.",
                    limit,
                ),
            ),
        ]
    limits.append(
        (
            "phone-code-number-hour",
            _limit_subject(number),
            settings.NOTIFICATIONS_PHONE_CODE_NUMBER_HOURLY,
            _HOUR,
            lambda limit: ngettext(
                "This number has been sent %(limit)s code in the last hour.",
                "This number has been sent %(limit)s codes in the last hour.",
                limit,
            ),
        )
    )
    if client_address:
        limits.append(
            (
                "phone-code-address-hour",
                _limit_subject(client_address),
                settings.NOTIFICATIONS_PHONE_CODE_ADDRESS_HOURLY,
                _HOUR,
                lambda limit: _(
                    "Too many codes have been asked for from your network in the last hour."
                ),
            )
        )
    for scope, subject, limit, window, reason in limits:
        if rate_limit_take(scope=scope, subject=subject, limit=limit, window=window):
            continue
        wait = seconds_to_next_window(window)
        raise RateLimited(
            f"{reason(limit) % {'limit': limit}} {try_again_in(wait)}",
            code="too_many_codes",
            retry_after=wait,
        )


def phone_code_budget_spend() -> None:
    """Spend one code of today's global budget, or raise ``RateLimited`` for everyone.

    A conditional UPDATE of today's ``PhoneCodeDay`` row: it cannot overshoot, and it keeps
    the row locked until the caller's transaction ends (the send included), so codes are
    sent one at a time across the site; at a gateway's usual fraction of a second that is
    far above any budget a council would set.
    """
    budget = settings.NOTIFICATIONS_PHONE_CODE_DAILY_BUDGET
    if budget <= 0:
        return
    today = timezone.localdate()
    PhoneCodeDay.objects.bulk_create([PhoneCodeDay(day=today)], ignore_conflicts=True)
    spent = PhoneCodeDay.objects.filter(day=today, codes_sent__lt=budget).update(
        codes_sent=F("codes_sent") + 1
    )
    if spent:
        return
    tomorrow = datetime.combine(today + timedelta(days=1), time.min)
    wait = int((timezone.make_aware(tomorrow) - timezone.now()).total_seconds()) + 1
    logger.warning("The daily budget of %s phone verification codes is spent.", budget)
    raise RateLimited(
        _(
            "The portal has sent as many codes today as it may. %(try_again)s You can get "
            "notifications by email in the meantime."
        )
        % {"try_again": try_again_in(wait)},
        code="budget_spent",
        retry_after=max(wait, 1),
    )


def phone_number_start(*, user: User, number: str, client_address: str = "") -> PhoneNumber:
    """Set ``user``'s number (unverified) and text them a new code.

    Locks the user's row (select_for_update) so two clicks send one code, then today's
    budget row (see ``phone_code_budget_spend``). The code is sent inside the transaction: if
    the SMS backend fails, nothing is stored (the budget is not spent) and the resident is
    told to try again. ``client_address`` is ``civicportal.kernel.client.client_address`` of
    the request ("" when there is none: that limit is then not counted). Raises
    ``ValidationError`` for a malformed number, a number already verified, a code asked for
    too soon after the last, or a failed send, and ``RateLimited`` (one) when a limit on
    codes is reached.
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
        phone_code_limits_take(user=user, number=number, client_address=client_address)
        phone_code_budget_spend()
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


@dataclass(frozen=True)
class CodeAnswers:
    """What a resident is told when a texted code cannot be accepted (what to do next
    differs: a verified number asks for a new code, a sign-up signs up again)."""

    expired: str
    too_many: str
    last_try: str


def code_refusal(
    row: PhoneNumber | Subscriber,
    code: str,
    *,
    hashed: Callable[[str], str],
    sent_at: datetime | None,
    now: datetime,
    answers: CodeAnswers,
) -> ValidationError | None:
    """Why ``code`` is not the one last texted for ``row``, or None when it is.

    The caller holds ``row`` locked (select_for_update), so parallel guesses each count: a
    wrong guess is counted on the row and saved here, inside the caller's transaction,
    which must commit it before raising the returned error.
    """
    if sent_at is None or now - sent_at > timedelta(seconds=settings.NOTIFICATIONS_PHONE_CODE_TTL):
        return ValidationError(answers.expired, code="expired")
    if row.code_attempts >= settings.NOTIFICATIONS_PHONE_CODE_ATTEMPTS:
        return ValidationError(answers.too_many, code="too_many")
    if len(code) == 6 and code.isdigit() and constant_time_compare(hashed(code), row.code_hash):
        return None
    row.code_attempts += 1
    row.save(update_fields=["code_attempts"])
    left = settings.NOTIFICATIONS_PHONE_CODE_ATTEMPTS - row.code_attempts
    if left > 0:
        message = _("That code is not right. Tries left: %(left)s.") % {"left": left}
    else:
        message = answers.last_try
    return ValidationError(message, code="wrong")


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
        error = code_refusal(
            phone,
            code,
            hashed=lambda typed: _code_hash(phone, typed),
            sent_at=phone.code_sent_at,
            now=now,
            answers=CodeAnswers(
                expired=_("This code has expired. Ask for a new one."),
                too_many=_("Too many wrong codes. Ask for a new one."),
                last_try=_("That code is not right, and it was the last try. Ask for a new code."),
            ),
        )
        if error is None:
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
