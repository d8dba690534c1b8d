"""Residents' side: their ``AlertSubscription`` and their ``GroundReport`` from the scene."""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models.codes import SeverityRank
from alerts.models.incidents import Alert

# --- Residents ---------------------------------------------------------------------------


class AlertSubscription(models.Model):
    """Where and how a resident wants alerts: areas, minimum severity, channels.

    No areas means the whole council area. Either a resident's (``user``, one per
    resident) or, for someone without an account, a confirmed ``subscriber``'s (an email
    address or phone number, one per address: the subscriber's own constraint); database
    constraints hold both, and that it is exactly one of the two. A subscriber's channel is
    their address's (``by_email`` or ``by_sms``); leaving deletes this row with theirs.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_subscription",
    )
    subscriber = models.OneToOneField(
        "notifications.Subscriber",
        verbose_name=_("subscriber without an account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_subscription",
    )
    areas = models.ManyToManyField(
        "accounts.Area",
        verbose_name=_("areas"),
        blank=True,
        related_name="alert_subscriptions",
        help_text=_("Leave all unticked for alerts anywhere in the council area."),
    )
    min_severity = models.PositiveSmallIntegerField(
        _("minimum severity"), choices=SeverityRank.choices, default=SeverityRank.MINOR
    )
    by_email = models.BooleanField(_("by email"), default=True)
    by_push = models.BooleanField(_("by web push on this device's browser"), default=False)
    by_sms = models.BooleanField(_("by SMS (needs a verified phone number)"), default=False)
    receive_tests = models.BooleanField(
        _("also exercises and test messages"),
        default=False,
        help_text=_("The council sometimes tests its alerts; they are clearly marked EXERCISE."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user"], name="alerts_subscription_one_per_user"),
            models.CheckConstraint(
                condition=Q(user__isnull=False, subscriber__isnull=True)
                | Q(user__isnull=True, subscriber__isnull=False),
                name="alerts_subscription_resident_or_subscriber",
            ),
        ]

    def __str__(self) -> str:
        return _("Alerts for %(user)s") % {"user": self.user or self.subscriber}

    @property
    def channels(self) -> list[str]:
        return [
            channel
            for channel, on in (
                ("email", self.by_email),
                ("push", self.by_push),
                ("sms", self.by_sms),
            )
            if on
        ]


class GroundReport(models.Model):
    """A resident's report from the scene of an active alert, triaged by staff."""

    class Triage(models.TextChoices):
        NEW = "new", _("New")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="reports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="alert_ground_reports",
    )
    text = models.TextField(_("what you see"), max_length=2000)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    location_text = models.CharField(_("where"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="alerts/reports/", blank=True)
    triage = models.CharField(
        _("triage"), max_length=10, choices=Triage.choices, default=Triage.NEW, db_index=True
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triaged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ground report")
        verbose_name_plural = _("ground reports")
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__gte=-90)
                    & Q(latitude__lte=90)
                    & Q(longitude__gte=-180)
                    & Q(longitude__lte=180)
                ),
                name="alerts_groundreport_location_on_globe",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


auditlog.register(GroundReport, exclude_fields=["text", "photo", "latitude", "longitude"])
