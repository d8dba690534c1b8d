"""The incident (``Alert``) and its CAP messages (``AlertMessage``)."""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models.codes import (
    SEVERITY_RANK,
    CapStatus,
    Category,
    Certainty,
    MsgType,
    ResponseType,
    Severity,
    Urgency,
)

# The texts with no length limit in the database column (TextField): a constraint holds
# the model's max_length there too, whatever the path.
_TEXT_LIMITS = {
    "description": 4000,
    "instruction": 2000,
    "second_description": 4000,
    "second_instruction": 2000,
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
    description = models.TextField(_("description"), max_length=_TEXT_LIMITS["description"])
    instruction = models.TextField(
        _("instruction"),
        max_length=_TEXT_LIMITS["instruction"],
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
        _("description (second language)"),
        max_length=_TEXT_LIMITS["second_description"],
        blank=True,
    )
    second_instruction = models.TextField(
        _("instruction (second language)"),
        max_length=_TEXT_LIMITS["second_instruction"],
        blank=True,
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
    approved_version = models.CharField(
        _("approved version"),
        max_length=64,
        blank=True,
        help_text=_(
            "The version (SHA-256 of every public field) the approver reviewed and approved."
        ),
    )
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
            *(
                models.CheckConstraint(
                    condition=LessThanOrEqual(Length(name), limit),
                    name=f"alerts_message_{name}_max_length",
                )
                for name, limit in _TEXT_LIMITS.items()
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


auditlog.register(Alert)
auditlog.register(AlertMessage, m2m_fields={"areas"})
