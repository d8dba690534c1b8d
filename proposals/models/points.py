"""Points for and against an idea, and residents' ratings of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicportal.core.models import Moderatable
from proposals.models.ideas import Idea

POINT_MAX_LENGTH = 500


class Point(Moderatable):
    """A short argument for or against an idea; residents rate it helpful or not."""

    class Side(models.TextChoices):
        FOR = "for", _("For")
        AGAINST = "against", _("Against")

    idea = models.ForeignKey(
        Idea, verbose_name=_("idea"), on_delete=models.CASCADE, related_name="points"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="idea_points",
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    text = models.TextField(_("point"), max_length=POINT_MAX_LENGTH)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0, editable=False)
    unhelpful_count = models.PositiveIntegerField(_("not helpful"), default=0, editable=False)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        verbose_name = _("point")
        verbose_name_plural = _("points")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["idea", "side"], name="proposals_point_idea_side_idx"),
            Moderatable.state_index("proposals_point_moderation_idx"),
        ]

    def __str__(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 80 else text[:79] + "…"

    def get_absolute_url(self) -> str:
        return f"{self.idea.get_absolute_url()}#point-{self.pk}"

    @property
    def author_name(self) -> str:
        if self.author_id is None:
            return str(_("Deleted resident"))
        return self.author.public_name

    @property
    def helpfulness(self) -> int:
        return self.helpful_count - self.unhelpful_count

    def get_moderation_excerpt(self) -> str:
        return self.text


class PointRating(models.Model):
    class Value(models.TextChoices):
        HELPFUL = "helpful", _("Helpful")
        UNHELPFUL = "unhelpful", _("Not helpful")

    point = models.ForeignKey(
        Point, verbose_name=_("point"), on_delete=models.CASCADE, related_name="ratings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="point_ratings",
    )
    value = models.CharField(_("rating"), max_length=10, choices=Value.choices)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rating of a point")
        verbose_name_plural = _("ratings of points")
        constraints = [
            models.UniqueConstraint(
                fields=["point", "user"],
                condition=Q(user__isnull=False),
                name="proposals_pointrating_one_per_user_point",
                violation_error_message=_("You have already rated this point."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_value_display()} #{self.point_id}"
