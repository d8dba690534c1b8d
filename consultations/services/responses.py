"""Sending and changing a response.

Rules enforced here, whatever the interface (page, API):

- answers only while the consultation is open, by the server's clock (never the client's);
- only the consultation's audience: everyone (also anonymous browsers), signed-in
  residents, or verified residents; staff accounts do not answer;
- one response per resident, and one per browser for anonymous answers (unique
  constraints); sending again replaces the answers, until closing time;
- anonymous responses are rate limited per network address (a counter in the cache).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from civicportal.audience.services import participation_record
from civicportal.kernel.ratelimit import RateLimited, rate_limit_take, seconds_to_next_window
from consultations.models import Answer, Audience, Consultation, Response
from consultations.services.answers import answers_clean

RATE_SCOPE = "consultations:anonymous-response"


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def response_denial(*, consultation: Consultation, user, now=None) -> str | None:
    """Why ``user`` (anonymous included) may not answer now, in words; None if they may."""
    now = now or timezone.now()
    signed_in = bool(user is not None and user.is_authenticated)
    if not consultation.is_published:
        return _("This consultation is not published.")
    if now < consultation.opens_at:
        return _("This consultation opens on %(date)s; answers are accepted from then.") % {
            "date": _when(consultation.opens_at)
        }
    if now >= consultation.closes_at:
        return _("This consultation closed on %(date)s; answers are no longer accepted.") % {
            "date": _when(consultation.closes_at)
        }
    if signed_in and not user.is_active:
        return _("This account is blocked and cannot answer.")
    if signed_in and user.is_staff:
        return _(
            "Staff accounts do not answer consultations: their answers would count as "
            "residents'. Sign in with your personal account to take part."
        )
    if consultation.audience == Audience.SIGNED_IN and not signed_in:
        return _("Sign in to answer this consultation.")
    if consultation.audience == Audience.VERIFIED:
        if not signed_in:
            return _("Only verified residents can answer. Sign in, then verify your residency.")
        if not user.is_verified:
            return _(
                "Only verified residents can answer this consultation. Ask for your "
                "residency to be verified on your profile page."
            )
    return None


def anonymous_rate_limit_take(*, client_key: str) -> None:
    """Count one new anonymous response from ``client_key`` (a network address).

    Raises ``RateLimited`` (a ``ValidationError``) once ``CONSULTATIONS_ANON_RATE_LIMIT``
    responses came from it within ``CONSULTATIONS_ANON_RATE_WINDOW`` seconds (shared by
    all processes).
    """
    limit = settings.CONSULTATIONS_ANON_RATE_LIMIT
    window = settings.CONSULTATIONS_ANON_RATE_WINDOW
    if rate_limit_take(scope=RATE_SCOPE, subject=client_key, limit=limit, window=window):
        return
    raise RateLimited(
        _(
            "Many anonymous answers came from your network in a short time. Please try "
            "again in %(minutes)s minutes, or sign in to answer; your answers are still here."
        )
        % {"minutes": max(round(max(window, 1) / 60), 1)},
        retry_after=seconds_to_next_window(window),
    )


@transaction.atomic
def response_submit(
    *,
    consultation: Consultation,
    user=None,
    anon_token: str | None = None,
    answers: Mapping,
    client_key: str | None = None,
) -> Response:
    """Store ``user``'s (or an anonymous browser's) answers, replacing earlier ones.

    ``user`` is None or anonymous for an anonymous response, which then needs
    ``anon_token`` (the browser's token) and a consultation open to everyone;
    ``client_key`` (the network address) is counted against the anonymous rate limit
    when the browser answers for the first time.

    Raises ``PermissionDenied`` (with the reason) when they may not answer now, and
    ``ValidationError`` with a message per question (``q<id>``) when the answers do not fit
    the questionnaire; nothing is stored then.

    One response per resident or browser under concurrent sends: the row is taken with
    ``get_or_create`` against the unique constraint (a second concurrent insert waits for
    the first and then finds its row), then locked with ``select_for_update()`` so two
    sends replace the answers one after the other, never mixed.
    """
    if user is not None and not user.is_authenticated:
        user = None
    now = timezone.now()
    reason = response_denial(consultation=consultation, user=user, now=now)
    if reason:
        raise PermissionDenied(reason)
    if user is None and not anon_token:
        raise PermissionDenied(_("Your browser must accept cookies to answer without signing in."))

    questions = consultation.questions.prefetch_related("choices", "depends_on_choices")
    rows = answers_clean(questions, answers)

    owner = {"user": user} if user is not None else {"anon_token": anon_token}
    if (
        user is None
        and client_key
        and not Response.objects.filter(consultation=consultation, **owner).exists()
    ):
        anonymous_rate_limit_take(client_key=client_key)
    response, created = Response.objects.get_or_create(
        consultation=consultation, **owner, defaults={"created_at": now, "updated_at": now}
    )
    response = Response.objects.select_for_update().get(pk=response.pk)
    if not created:
        response.answers.all().delete()
        response.revision += 1
        response.updated_at = now
        response.save(update_fields=["revision", "updated_at"])
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    participation_record(user=user, module="consultations", action="answer")
    return response
