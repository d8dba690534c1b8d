"""A consultation: what the council asks, of whom, when; and the documents it publishes."""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.validators import validate_document


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone, also without an account")
    SIGNED_IN = "signed_in", _("Signed-in residents")
    VERIFIED = "verified", _("Verified residents")


class ConsultationQuerySet(models.QuerySet):
    def published(self) -> ConsultationQuerySet:
        return self.filter(is_published=True)

    def open_at(self, moment) -> ConsultationQuerySet:
        return self.filter(opens_at__lte=moment, closes_at__gt=moment)

    def upcoming_at(self, moment) -> ConsultationQuerySet:
        return self.filter(opens_at__gt=moment)

    def closed_at(self, moment) -> ConsultationQuerySet:
        return self.filter(closes_at__lte=moment)


class Consultation(models.Model):
    """A public consultation. Open from ``opens_at`` (inclusive) to ``closes_at`` (exclusive),
    by the server's clock; responses are accepted and changed only in between."""

    class Phase(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.TextField(
        _("summary"),
        help_text=_("Markdown: paragraphs, lists, links, emphasis. Shown at the top of the page."),
    )
    area = models.ForeignKey(
        "accounts.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
        help_text=_("Leave empty for a city-wide consultation."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    audience = models.CharField(
        _("who may answer"), max_length=10, choices=Audience.choices, default=Audience.SIGNED_IN
    )
    results_public_after_close = models.BooleanField(
        _("results become public after closing"),
        default=True,
        help_text=_(
            "Residents are told before answering. Results can be published only when this is on."
        ),
    )
    is_published = models.BooleanField(
        _("shown on the portal"),
        default=False,
        help_text=_("Leave off while the consultation is being prepared."),
    )
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    opened_announced_at = models.DateTimeField(
        _("opening announced at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When residents of the area were notified that it opened."),
    )
    previous_version = models.ForeignKey(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_versions",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="consultations_consultation_closes_after_opening",
                violation_error_message=_("The closing time must be after the opening time."),
            ),
            models.CheckConstraint(
                condition=Q(results_published_at__isnull=True) | Q(results_public_after_close=True),
                name="consultations_consultation_published_results_are_public",
                violation_error_message=_(
                    "Results were published, so they cannot be made private again."
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_published", "opens_at", "closes_at"], name="consultations_phase_idx"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:consultation-detail", args=[self.slug])

    def phase_at(self, moment) -> str:
        if moment < self.opens_at:
            return self.Phase.UPCOMING
        if moment < self.closes_at:
            return self.Phase.OPEN
        return self.Phase.CLOSED

    @property
    def phase(self) -> str:
        return self.phase_at(timezone.now())

    def get_phase_display(self) -> str:
        return self.Phase(self.phase).label

    def is_open(self, moment=None) -> bool:
        return self.phase_at(moment or timezone.now()) == self.Phase.OPEN

    def is_closed(self, moment=None) -> bool:
        return self.phase_at(moment or timezone.now()) == self.Phase.CLOSED

    @property
    def results_are_public(self) -> bool:
        return self.results_published_at is not None and self.is_closed()

    @property
    def questions_frozen(self) -> bool:
        """Questions cannot change once anyone answered: counts would mix two questionnaires."""
        return self.responses.exists()


def document_upload_to(instance: Document, filename: str) -> str:
    return f"consultations/{instance.consultation_id or 'new'}/{filename}"


class Document(models.Model):
    """A PDF or an image published with a consultation (plans, reports, maps)."""

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF document")
        IMAGE = "image", _("Image")

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=document_upload_to,
        validators=[validate_document],
        help_text=_("A PDF, PNG, JPEG, GIF or WebP file of at most 20 MB."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0, editable=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


auditlog.register(Consultation)
auditlog.register(Document)
