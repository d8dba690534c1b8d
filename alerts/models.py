"""Emergency alerts: the incident (``Alert``) and its CAP messages (``AlertMessage``), the
residents' ``AlertSubscription`` and their ``GroundReport`` from the scene.

An alert moves ``draft → pending → published → updated → cancelled | expired``; each of
its messages is one CAP 1.2 ``<alert>`` (msgType Alert, Update or Cancel) with its own
``draft → pending → published`` life. Only ``services.py`` changes states; the database
refuses what must never happen whatever the path: a message approved by its own author,
a published message without an approver, two messages of one alert waiting for approval,
two subscriptions of one resident.
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- CAP 1.2 code lists ------------------------------------------------------------------


class CapStatus(models.TextChoices):
    ACTUAL = "Actual", _("Actual")
    EXERCISE = "Exercise", _("Exercise")
    TEST = "Test", _("Test")


class MsgType(models.TextChoices):
    ALERT = "Alert", _("Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", _("Cancel / all clear")


class Category(models.TextChoices):
    GEO = "Geo", _("Geophysical (landslide, earthquake)")
    MET = "Met", _("Weather (storm, flood)")
    SAFETY = "Safety", _("General public safety")
    SECURITY = "Security", _("Law enforcement, security")
    RESCUE = "Rescue", _("Rescue and recovery")
    FIRE = "Fire", _("Fire")
    HEALTH = "Health", _("Health")
    ENV = "Env", _("Environment, pollution")
    TRANSPORT = "Transport", _("Transport")
    INFRA = "Infra", _("Utilities and infrastructure")
    CBRNE = "CBRNE", _("Chemical, biological, radiological, nuclear, explosive")
    OTHER = "Other", _("Other")


class ResponseType(models.TextChoices):
    SHELTER = "Shelter", _("Shelter in place")
    EVACUATE = "Evacuate", _("Evacuate")
    PREPARE = "Prepare", _("Prepare")
    EXECUTE = "Execute", _("Execute the pre-planned action")
    AVOID = "Avoid", _("Avoid the area")
    MONITOR = "Monitor", _("Monitor for updates")
    ASSESS = "Assess", _("Assess the situation")
    ALL_CLEAR = "AllClear", _("All clear")
    NONE = "None", _("No action")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate: act now")
    EXPECTED = "Expected", _("Expected: act within the hour")
    FUTURE = "Future", _("Future: act in the near future")
    PAST = "Past", _("Past: no longer needed")
    UNKNOWN = "Unknown", _("Unknown")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme: threat to life")
    SEVERE = "Severe", _("Severe: significant threat to life or property")
    MODERATE = "Moderate", _("Moderate: possible threat to life or property")
    MINOR = "Minor", _("Minor: little or no threat")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed: it is happening")
    LIKELY = "Likely", _("Likely (more than 50 %)")
    POSSIBLE = "Possible", _("Possible (less than 50 %)")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


class SeverityRank(models.IntegerChoices):
    """A subscription's minimum severity; a message reaches ranks up to its own."""

    MINOR = 1, _("Minor and above (every alert)")
    MODERATE = 2, _("Moderate and above")
    SEVERE = 3, _("Severe and above")
    EXTREME = 4, _("Extreme only")


# Unknown severity counts as Minor: it reaches everyone who wants every alert.
SEVERITY_RANK = {
    Severity.UNKNOWN: 1,
    Severity.MINOR: 1,
    Severity.MODERATE: 2,
    Severity.SEVERE: 3,
    Severity.EXTREME: 4,
}


# --- The incident ------------------------------------------------------------------------


class AlertQuerySet(models.QuerySet):
    def public(self) -> AlertQuerySet:
        """Published at least once and real: exercises and tests are never public."""
        return self.filter(status=CapStatus.ACTUAL, current_message__isnull=False)

    def active(self, now=None) -> AlertQuerySet:
        """Public, in force (published or updated) and not past its expiry."""
        now = now or timezone.now()
        return self.public().filter(
            state__in=[Alert.State.PUBLISHED, Alert.State.UPDATED], expires_at__gt=now
        )


class Alert(models.Model):
    """One incident, as residents see it; its messages carry the words and the areas."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for approval")
        PUBLISHED = "published", _("Published")
        UPDATED = "updated", _("Updated")
        CANCELLED = "cancelled", _("Cancelled / all clear")
        EXPIRED = "expired", _("Expired")

    status = models.CharField(
        _("CAP status"),
        max_length=10,
        choices=CapStatus.choices,
        default=CapStatus.ACTUAL,
        help_text=_(
            "Exercise and Test alerts reach only residents who opted into test messages and "
            "never appear in public."
        ),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    # The latest published message, and copies of what the banner needs, so that the
    # banner is one small query on this table.
    current_message = models.ForeignKey(
        "AlertMessage",
        verbose_name=_("current message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.UNKNOWN
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)
    first_published_at = models.DateTimeField(_("first published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-first_published_at", "-created_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(status="Actual", state__in=["published", "updated"]),
                name="alerts_alert_banner_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["draft", "pending"]) | Q(current_message__isnull=False),
                name="alerts_alert_published_has_message",
            )
        ]

    def __str__(self) -> str:
        return self.headline or _("Alert #%(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert-detail", args=[self.pk])

    def get_staff_url(self) -> str:
        return reverse("alerts:staff-alert", args=[self.pk])

    @property
    def is_exercise(self) -> bool:
        return self.status != CapStatus.ACTUAL

    def pending_message(self) -> AlertMessage | None:
        """The message waiting for approval, if any (uses prefetched messages when there)."""
        return next((m for m in self.messages.all() if m.state == AlertMessage.State.PENDING), None)

    def draft_message(self) -> AlertMessage | None:
        return next((m for m in self.messages.all() if m.state == AlertMessage.State.DRAFT), None)

    @property
    def is_in_force(self) -> bool:
        return self.state in (self.State.PUBLISHED, self.State.UPDATED) and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class AlertMessage(models.Model):
    """One CAP 1.2 message of an alert: its words, areas, and who wrote and approved it."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for approval")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn before publication")

    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="messages"
    )
    sequence = models.PositiveSmallIntegerField(_("number in the alert"))
    identifier = models.CharField(
        _("CAP identifier"),
        max_length=200,
        unique=True,
        help_text=_("Unique for this sender: the CAP document's name."),
    )
    sender = models.CharField(_("CAP sender"), max_length=200)
    sent = models.DateTimeField(_("sent"), null=True, blank=True)
    msg_type = models.CharField(
        _("message type"), max_length=10, choices=MsgType.choices, default=MsgType.ALERT
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    note = models.CharField(
        _("note"),
        max_length=500,
        blank=True,
        help_text=_("Why it was updated or cancelled (CAP note)."),
    )
    references = models.TextField(
        _("CAP references"),
        blank=True,
        help_text=_("The earlier messages, as space-separated sender,identifier,sent."),
    )

    # The <info> block, in the council's language.
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.SAFETY
    )
    event = models.CharField(
        _("event"), max_length=100, help_text=_("What is happening, in a few words: “Flood”.")
    )
    response_type = models.CharField(
        _("response type"),
        max_length=10,
        choices=ResponseType.choices,
        default=ResponseType.MONITOR,
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices)
    headline = models.CharField(_("headline"), max_length=160)
    description = models.TextField(_("description"), max_length=4000)
    instruction = models.TextField(
        _("instruction"),
        max_length=2000,
        help_text=_("What residents should do. Shown first on the alert page."),
    )
    web = models.URLField(
        _("web link"), blank=True, help_text=_("Empty: the alert's page on this portal.")
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    onset = models.DateTimeField(_("onset"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"))

    # An optional second <info> block in another language.
    second_language = models.CharField(
        _("second language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    second_event = models.CharField(_("event (second language)"), max_length=100, blank=True)
    second_headline = models.CharField(_("headline (second language)"), max_length=160, blank=True)
    second_description = models.TextField(
        _("description (second language)"), max_length=4000, blank=True
    )
    second_instruction = models.TextField(
        _("instruction (second language)"), max_length=2000, blank=True
    )

    # Where: areas of the council, and/or shapes drawn on the map.
    areas = models.ManyToManyField(
        "accounts.Area", verbose_name=_("areas"), blank=True, related_name="alert_messages"
    )
    area_description = models.CharField(
        _("description of the drawn area"),
        max_length=200,
        blank=True,
        help_text=_("Names the polygon or circle for people: “Within 2 km of the chemical plant”."),
    )
    polygons = models.JSONField(
        _("drawn polygons"),
        default=list,
        blank=True,
        help_text=_("Closed rings of [latitude, longitude] points."),
    )
    circles = models.JSONField(
        _("drawn circles"),
        default=list,
        blank=True,
        help_text=_("[latitude, longitude, radius in km] each."),
    )

    # Who: the two people of the two-person rule.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    quoted_report = models.ForeignKey(
        "GroundReport",
        verbose_name=_("quoted ground report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set once every subscriber has a delivery row; until then the sweeper re-runs the
    # fan-out (it is idempotent), so a worker killed mid fan-out loses nobody.
    fanout_completed_at = models.DateTimeField(_("fan-out completed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["alert", "sequence"]
        verbose_name = _("alert message")
        verbose_name_plural = _("alert messages")
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "sequence"], name="alerts_message_one_per_sequence"
            ),
            # One message of an alert waits for approval at a time.
            models.UniqueConstraint(
                fields=["alert"],
                condition=Q(state="pending"),
                name="alerts_message_one_pending_per_alert",
                violation_error_message=_("This alert already has a message waiting for approval."),
            ),
            # The two-person rule, in the database: whoever approved is not the author.
            # (A cancellation is published by one person: see services.alert_cancel.)
            models.CheckConstraint(
                condition=Q(approver__isnull=True)
                | Q(author__isnull=True)
                | ~Q(approver=F("author")),
                name="alerts_message_no_self_approval",
            ),
            models.CheckConstraint(
                condition=~Q(state="published")
                | (
                    Q(sent__isnull=False)
                    & Q(approved_at__isnull=False)
                    & (Q(msg_type="Cancel") | Q(approver__isnull=False))
                ),
                name="alerts_message_published_is_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_msg_type_display()}: {self.headline}"

    def get_absolute_url(self) -> str:
        return reverse("alerts:cap-message", args=[self.identifier])

    @property
    def is_exercise(self) -> bool:
        return self.alert.status != CapStatus.ACTUAL

    @property
    def severity_rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, 1)

    @property
    def cap_reference(self) -> str:
        """This message as another message's CAP reference: ``sender,identifier,sent``."""
        from alerts.cap import cap_datetime

        return f"{self.sender},{self.identifier},{cap_datetime(self.sent)}"


# --- Residents ---------------------------------------------------------------------------


class AlertSubscription(models.Model):
    """Where and how a resident wants alerts: areas, minimum severity, channels.

    No areas means the whole council area. One per resident (a database constraint).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
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
        ]

    def __str__(self) -> str:
        return _("Alerts for %(user)s") % {"user": self.user}

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


auditlog.register(Alert)
auditlog.register(AlertMessage, m2m_fields={"areas"})
auditlog.register(GroundReport, exclude_fields=["text", "photo", "latitude", "longitude"])
