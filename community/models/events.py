"""Events and community initiatives (clean-ups, gardens, meetings, celebrations), residents'
sign-ups with a waiting list, the reminders sent for them and the outcome photos.

The cap on places is held by the database: ``Event.confirmed_count`` is kept by the
services under a lock of the event row and checked against ``capacity`` by a constraint;
one active sign-up per resident and event is a partial unique constraint; one reminder per
sign-up is a unique constraint on ``EventReminder.signup``.
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 140
DESCRIPTION_MAX_LENGTH = 10_000
SUMMARY_LENGTH = 200
PLACE_MAX_LENGTH = 200
BRING_MAX_LENGTH = 1000
OUTCOME_MAX_LENGTH = 5000
CAPACITY_MAX = 10_000


class EventKind(models.TextChoices):
    CLEAN_UP = "clean_up", _("Clean-up")
    GARDEN = "garden", _("Garden")
    MEETING = "meeting", _("Meeting")
    CELEBRATION = "celebration", _("Celebration")
    OTHER = "other", _("Other")


class Event(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(
        _("description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text=_("What will happen and who it is for. You can use Markdown."),
    )
    description_html = models.TextField(_("description as HTML"), blank=True, editable=False)
    summary = models.CharField(_("summary"), max_length=SUMMARY_LENGTH, blank=True, editable=False)
    area = models.ForeignKey(
        "accounts.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_events",
    )
    place = models.CharField(
        _("place"),
        max_length=PLACE_MAX_LENGTH,
        help_text=_("Where to meet, as people would say it: “The old mill car park”."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(CAPACITY_MAX)]
    )
    # Kept by the sign-up services under a lock of this row; the constraint below is the
    # last word on the cap whatever path writes.
    confirmed_count = models.PositiveIntegerField(_("confirmed places"), default=0, editable=False)
    what_to_bring = models.TextField(_("what to bring"), blank=True, max_length=BRING_MAX_LENGTH)
    image = models.ImageField(
        _("image"), upload_to="community/events/%Y/%m/", blank=True, max_length=200
    )
    image_description = models.CharField(_("image description"), max_length=200, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_community_events",
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    # iCalendar SEQUENCE (RFC 5545 §3.8.7.4): bumped on every change residents must see.
    sequence = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    outcome_attendance = models.PositiveIntegerField(_("people who came"), null=True, blank=True)
    outcome = models.TextField(_("what was achieved"), blank=True, max_length=OUTCOME_MAX_LENGTH)
    outcome_html = models.TextField(_("outcome as HTML"), blank=True, editable=False)
    outcome_recorded_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["state", "starts_at"], name="community_event_state_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="community_event_ends_after_start",
                violation_error_message=_("An event must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="community_event_capacity_positive",
                violation_error_message=_("An event needs at least one place."),
            ),
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=F("capacity")),
                name="community_event_confirmed_within_capacity",
                violation_error_message=_("More people are confirmed than there are places."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="community_event_point_complete",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:event-detail", args=[self.pk])

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def is_full(self) -> bool:
        return self.confirmed_count >= self.capacity

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def ical_uid(self) -> str:
        # Stable for the event's life: calendars match updates and cancellations by it.
        domain = settings.COMMUNITY_ICAL_DOMAIN
        return f"community-event-{self.pk}@{domain}"


class EventSignup(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="signups"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="community_event_signups",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("moved off the waiting list at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event sign-up")
        verbose_name_plural = _("event sign-ups")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["event", "status", "created_at"], name="community_signup_queue")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(status__in=["confirmed", "waiting"]),
                name="community_signup_one_active_per_resident",
                violation_error_message=_("You are already signed up to this event."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.event} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.CONFIRMED, self.Status.WAITING)


class EventReminder(models.Model):
    """The reminder sent the day before for one sign-up: at most one, whatever reruns."""

    signup = models.OneToOneField(
        EventSignup, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="reminder"
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("event reminder")
        verbose_name_plural = _("event reminders")

    def __str__(self) -> str:
        return str(self.signup)


class EventPhoto(models.Model):
    """A photo of what was achieved, added by the organiser with the outcome."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="community/events/outcomes/%Y/%m/")
    description = models.CharField(_("what the photo shows"), max_length=200)
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description


auditlog.register(Event, exclude_fields=["description_html", "outcome_html", "confirmed_count"])


class EventAwaitingModerationManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(state=Event.State.PENDING)


class EventAwaitingModeration(Event):
    """The admin's moderation queue: residents' events waiting to be published."""

    objects = EventAwaitingModerationManager()

    class Meta:
        proxy = True
        verbose_name = _("event awaiting moderation")
        verbose_name_plural = _("events awaiting moderation")
        ordering = ["created_at", "id"]
