"""Residents' side of alerts: their subscription, their reports from the ground, their data."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert, AlertSubscription, GroundReport, SeverityRank
from alerts.rules import is_alert_approver, is_alert_author
from alerts.selectors import ALERT_TOPIC, CHANNELS, banner_cache_clear
from alerts.validators import reject_control_characters
from civicportal.accounts.models import Area, User
from civicportal.core.images import image_reencode
from civicportal.kernel.audit import audit_record
from civicportal.kernel.ratelimit import RateLimited, rate_limit_take, seconds_to_next_window
from civicportal.notifications.models import NotificationPreference

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
REPORT_RATE_SCOPE = "alerts.report"


# --- Subscriptions -------------------------------------------------------------------------


@transaction.atomic
def subscription_save(
    *,
    user: User,
    areas: list[Area],
    min_severity: int,
    by_email: bool,
    by_push: bool,
    by_sms: bool,
    receive_tests: bool,
) -> AlertSubscription:
    """Create or replace the resident's one subscription (an upsert on the unique user).

    SMS is kept as chosen even before the resident has a verified phone number: texts
    start once the number is verified (the SMS channel has no address for an unverified
    one), and the page says so (``selectors.sms_waiting_for_phone``). Saving the page is
    the resident's explicit choice, so it also clears one-click unsubscribes of alert
    channels they now switch on.
    """
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied(_("Sign in to subscribe to alerts."))
    if min_severity not in SeverityRank.values:
        raise ValidationError({"min_severity": _("Choose a minimum severity from the list.")})
    if not (by_email or by_push or by_sms):
        raise ValidationError(
            _("Choose at least one way to receive alerts, or delete your subscription.")
        )
    subscription, _created = AlertSubscription.objects.update_or_create(
        user=user,
        defaults={
            "min_severity": min_severity,
            "by_email": by_email,
            "by_push": by_push,
            "by_sms": by_sms,
            "receive_tests": receive_tests,
            "updated_at": timezone.now(),
        },
    )
    subscription.areas.set(areas)
    switched_on = [c for c, on in zip(CHANNELS, (by_email, by_push, by_sms), strict=True) if on]
    NotificationPreference.objects.filter(
        user=user, topic=ALERT_TOPIC, channel__in=switched_on, enabled=False
    ).delete()
    return subscription


@transaction.atomic
def subscription_delete(*, user: User) -> bool:
    deleted, _detail = AlertSubscription.objects.filter(user=user).delete()
    return bool(deleted)


# --- Ground reports ------------------------------------------------------------------------


def _report_rate_limit_take(*, actor, client_key: str) -> None:
    """Count one report: per account for a signed-in resident, per network address for
    everyone else (the address is only a key of the counter: it is never stored).

    Raises ``RateLimited`` (a ``ValidationError``) past ``ALERTS_REPORT_RATE_LIMIT`` reports
    within ``ALERTS_REPORT_RATE_WINDOW`` seconds, shared by all processes.
    """
    signed_in = bool(actor and actor.is_authenticated)
    subject = f"user:{actor.pk}" if signed_in else f"address:{client_key or 'unknown'}"
    window = settings.ALERTS_REPORT_RATE_WINDOW
    if rate_limit_take(
        scope=REPORT_RATE_SCOPE,
        subject=subject,
        limit=settings.ALERTS_REPORT_RATE_LIMIT,
        window=window,
    ):
        return
    minutes = max(round(seconds_to_next_window(window) / 60), 1)
    if signed_in:
        message = _(
            "You sent many reports in a short time. Please send this one in %(minutes)s "
            "minutes; in danger, call the emergency number now."
        )
    else:
        message = _(
            "Many reports came from your network in a short time. Please try again in "
            "%(minutes)s minutes, or sign in to send yours now; in danger, call the "
            "emergency number."
        )
    raise RateLimited(message % {"minutes": minutes}, retry_after=seconds_to_next_window(window))


@transaction.atomic
def report_create(
    *,
    actor: User,
    alert: Alert,
    text: str,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    location_text: str = "",
    photo=None,
    client_key: str = "",
) -> GroundReport:
    """A report from the scene of an alert in force (text, place, photo), from a resident
    or from anyone without an account (``actor`` anonymous; ``client_key``, the network
    address, then counts against the rate limit, ``_report_rate_limit_take``).

    Every report is held for triage: the public sees it only once staff confirm it
    (``report_triage``). Reads the alert's state afresh (under its row lock), not the
    caller's copy. Raises ``PermissionDenied`` when the alert is not in force,
    ``ValidationError`` for what does not fit, ``RateLimited`` past the limit; nothing is
    stored then.
    """
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if not actor.has_perm("alerts.report_groundreport", alert):
        raise PermissionDenied(_("Reports can be sent only while an alert is in force."))
    if not text.strip():
        raise ValidationError({"text": _("Tell us what you see.")})
    for name, value in (("text", text), ("location_text", location_text)):
        try:
            reject_control_characters(value)
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from None
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": _("Give both latitude and longitude, or neither.")})
    report = GroundReport(
        alert=alert,
        user=actor if actor.is_authenticated else None,
        text=text.strip(),
        latitude=latitude,
        longitude=longitude,
        location_text=location_text.strip(),
    )
    # The user is no input (and is None for a report without an account).
    report.full_clean(exclude=["photo", "user"])
    _report_rate_limit_take(actor=actor, client_key=client_key)
    if photo:
        report.photo = image_reencode(
            photo, max_bytes=PHOTO_MAX_BYTES, max_side=PHOTO_MAX_SIDE, field="photo"
        )
    report.save()
    return report


@transaction.atomic
def report_triage(*, actor: User, report: GroundReport, triage: str) -> GroundReport:
    """Staff mark a report new, confirmed or dismissed (a conditional update, audited)."""
    if not (is_alert_author(actor) or is_alert_approver(actor)):
        raise PermissionDenied(_("Only alert staff can triage reports."))
    if triage not in GroundReport.Triage.values:
        raise ValidationError({"triage": _("Choose new, confirmed or dismissed.")})
    report = GroundReport.objects.select_for_update().get(pk=report.pk)
    before = report.triage
    if before == triage:
        return report
    report.triage = triage
    report.triaged_by = actor
    report.triaged_at = timezone.now()
    report.save(update_fields=["triage", "triaged_by", "triaged_at"])
    audit_record(
        actor=actor, obj=report, action="alerts.triage", changes={"triage": (before, triage)}
    )
    if GroundReport.Triage.CONFIRMED in (before, triage):
        # Confirmed reports are shown on the public alert page: drop its stored copies.
        transaction.on_commit(banner_cache_clear)
    return report


# --- Personal data -------------------------------------------------------------------------


def alerts_personal_data_export(user: User) -> dict:
    subscription = AlertSubscription.objects.filter(user=user).prefetch_related("areas").first()
    return {
        "subscription": None
        if subscription is None
        else {
            "areas": [area.name for area in subscription.areas.all()],
            "min_severity": subscription.get_min_severity_display(),
            "channels": subscription.channels,
            "receive_tests": subscription.receive_tests,
            "created_at": subscription.created_at,
        },
        "ground_reports": [
            {
                "alert": report.alert_id,
                "text": report.text,
                "latitude": str(report.latitude) if report.latitude is not None else None,
                "longitude": str(report.longitude) if report.longitude is not None else None,
                "where": report.location_text,
                "photo": report.photo.name if report.photo else None,
                "triage": report.triage,
                "created_at": report.created_at,
            }
            for report in GroundReport.objects.filter(user=user).order_by("created_at")
        ],
    }


def alerts_personal_data_erase(user: User) -> None:
    """Delete the subscription and the reports (their photos too): both are only theirs."""
    AlertSubscription.objects.filter(user=user).delete()
    for report in GroundReport.objects.filter(user=user):
        if report.photo:
            report.photo.delete(save=False)
        report.delete()
