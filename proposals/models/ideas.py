"""Ideas, their categories and statuses, and residents' votes on them; with the helpers
that place an idea in the list's sorts (``trending_score``, ``shuffle_key_new``)."""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime

from auditlog.registry import auditlog
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from civicportal.core.models import Moderatable, ModerationState
from civicportal.core.rendering import markdown_text

TITLE_MAX_LENGTH = 140
BODY_MAX_LENGTH = 10_000
SUMMARY_LENGTH = 200  # characters of the description shown on a card and shared
RESPONSE_MAX_LENGTH = 10_000
TRENDING_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
TRENDING_DECAY_SECONDS = 3 * 86_400  # three days of age weigh as much as tenfold support
SHUFFLE_KEY_SPAN = 2**31 - 1  # shuffle keys are 0 <= key < SHUFFLE_KEY_SPAN


def shuffle_key_new() -> int:
    """An idea's place in the shuffled order the random sort walks (``selectors``)."""
    return secrets.randbelow(SHUFFLE_KEY_SPAN)


def summary_of(body: str) -> str:
    """The start of ``body`` (Markdown) as plain text, at most SUMMARY_LENGTH characters."""
    text = markdown_text(body, reads=SUMMARY_LENGTH * 3)
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def trending_score(*, support: int, created_at: datetime) -> float:
    age = (created_at - TRENDING_EPOCH).total_seconds()
    return round(math.log10(max(support, 1)) + age / TRENDING_DECAY_SECONDS, 6)


class Category(models.Model):
    """A theme staff manage in the admin (Transport, Parks, ...)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=1000)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class IdeaStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    MERGED = "merged", _("Merged into another idea")


# Residents may still vote and argue while the council has not closed the matter.
OPEN_STATUSES = (
    IdeaStatus.SUBMITTED,
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.ACCEPTED,
    IdeaStatus.IN_PROGRESS,
)


class Idea(Moderatable):
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(
        _("description"),
        max_length=BODY_MAX_LENGTH,
        help_text=_("What should change, where, and why. You can use Markdown."),
    )
    body_html = models.TextField(_("description as HTML"), blank=True, editable=False)
    # The start of the description as plain text, for the list's cards, page descriptions
    # and share texts: kept when the idea is posted (``summary_of``), so a list page neither
    # loads the descriptions nor parses their Markdown.
    summary = models.CharField(_("summary"), max_length=SUMMARY_LENGTH, blank=True, editable=False)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="ideas"
    )
    area = models.ForeignKey(
        "accounts.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
        help_text=_("Leave empty for an idea about the whole city."),
    )
    # Null once the author deleted their account: the idea stays, theirs no more.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
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
    image = models.ImageField(
        _("image"), upload_to="proposals/ideas/%Y/%m/", blank=True, max_length=200
    )
    image_description = models.CharField(
        _("image description"),
        max_length=200,
        blank=True,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=IdeaStatus.choices,
        default=IdeaStatus.SUBMITTED,
        # Indexed in Meta: a field's own index on PostgreSQL brings a second one for LIKE
        # lookups, which nothing makes, and every vote's counter update writes to both.
    )
    official_response = models.TextField(
        _("official response"), blank=True, max_length=RESPONSE_MAX_LENGTH
    )
    official_response_html = models.TextField(
        _("official response as HTML"), blank=True, editable=False
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    forwarded_at = models.DateTimeField(_("forwarded to the council at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_ideas",
    )
    support_count = models.PositiveIntegerField(_("supporters"), default=0, editable=False)
    oppose_count = models.PositiveIntegerField(_("opponents"), default=0, editable=False)
    points_for_count = models.PositiveIntegerField(_("points for"), default=0, editable=False)
    points_against_count = models.PositiveIntegerField(
        _("points against"), default=0, editable=False
    )
    trending_score = models.FloatField(_("trending score"), default=0, editable=False)
    # Drawn once at random: the random sort is this order, each visitor starting elsewhere.
    shuffle_key = models.IntegerField(
        _("place in the random order"), default=shuffle_key_new, editable=False
    )
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity at"), default=timezone.now)

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="proposals_idea_point_complete",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")), name="proposals_idea_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="proposals_idea_merged_has_target",
            ),
        ]
        # The list's sorts, each on the ideas a list shows (visible, open, not merged).
        indexes = [
            models.Index(
                F("support_count").desc(),
                F("id").desc(),
                name="proposals_idea_top_idx",
                condition=Q(
                    moderation_state=ModerationState.VISIBLE,
                    archived_at__isnull=True,
                    merged_into__isnull=True,
                ),
            ),
            models.Index(
                F("created_at").desc(),
                F("id").desc(),
                name="proposals_idea_newest_idx",
                condition=Q(
                    moderation_state=ModerationState.VISIBLE,
                    archived_at__isnull=True,
                    merged_into__isnull=True,
                ),
            ),
            models.Index(
                F("trending_score").desc(),
                F("id").desc(),
                name="proposals_idea_trending_idx",
                condition=Q(
                    moderation_state=ModerationState.VISIBLE,
                    archived_at__isnull=True,
                    merged_into__isnull=True,
                ),
            ),
            models.Index(
                (F("points_for_count") + F("points_against_count")).desc(),
                F("id").desc(),
                name="proposals_idea_debated_idx",
                condition=Q(
                    moderation_state=ModerationState.VISIBLE,
                    archived_at__isnull=True,
                    merged_into__isnull=True,
                ),
            ),
            models.Index(
                fields=["shuffle_key", "id"],
                name="proposals_idea_random_idx",
                condition=Q(
                    moderation_state=ModerationState.VISIBLE,
                    archived_at__isnull=True,
                    merged_into__isnull=True,
                ),
            ),
            models.Index(
                fields=["forwarded_at"],
                name="proposals_idea_forwarded_idx",
                condition=Q(forwarded_at__isnull=False),
            ),
            models.Index(fields=["last_activity_at"], name="proposals_idea_activity_idx"),
            models.Index(fields=["status"], name="proposals_idea_status_idx"),
            Moderatable.state_index("proposals_idea_moderation_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:idea-detail", args=[self.pk])

    @property
    def author_name(self) -> str:
        if self.author_id is None:
            return str(_("Deleted resident"))
        return self.author.public_name

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_open(self) -> bool:
        """Residents may vote and add points."""
        return (
            self.is_visible
            and self.archived_at is None
            and self.merged_into_id is None
            and self.status in OPEN_STATUSES
        )

    @property
    def points_count(self) -> int:
        return self.points_for_count + self.points_against_count

    @property
    def response_days(self) -> int | None:
        """Whole days from forwarding to the council's answer."""
        if self.forwarded_at is None or self.responded_at is None:
            return None
        return max((self.responded_at - self.forwarded_at).days, 0)

    def get_moderation_excerpt(self) -> str:
        return f"{self.title}\n\n{self.body}"

    def get_moderation_html(self) -> str:
        # The title, then the description as the idea's page shows it (sanitised on write).
        return f"<p><strong>{escape(self.title)}</strong></p>{self.body_html}"


class IdeaVote(models.Model):
    """One resident's support or opposition; changed and withdrawn through the services."""

    class Value(models.TextChoices):
        SUPPORT = "support", _("Support")
        OPPOSE = "oppose", _("Oppose")

    idea = models.ForeignKey(
        Idea, verbose_name=_("idea"), on_delete=models.CASCADE, related_name="votes"
    )
    # Null once the voter deleted their account: the vote still counts, linked to no one.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="idea_votes",
        db_index=False,  # proposals_ideavote_user_idx (user, idea) serves lookups by user
    )
    value = models.CharField(_("vote"), max_length=10, choices=Value.choices)
    created_at = models.DateTimeField(_("voted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("vote on an idea")
        verbose_name_plural = _("votes on ideas")
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "user"],
                condition=Q(user__isnull=False),
                name="proposals_ideavote_one_per_user_idea",
                violation_error_message=_("You have already voted on this idea."),
            ),
        ]
        indexes = [models.Index(fields=["user", "idea"], name="proposals_ideavote_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_value_display()} #{self.idea_id}"


auditlog.register(
    Idea,
    include_fields=[
        "status",
        "official_response",
        "forwarded_at",
        "archived_at",
        "merged_into",
        "moderation_state",
        "category",
        "area",
    ],
)
auditlog.register(Category)
