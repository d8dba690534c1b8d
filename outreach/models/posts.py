"""A post on the council's social accounts, composed on the portal from a public item.

draft --submit--> awaiting approval --approve--> scheduled --(worker, when due)--> published
   |                    |                           |
   +------cancel--------+-------cancel--------------+--> cancelled (with a reason)
                        +--reject (with a reason)------> rejected

A second staff member approves every post (the two-person rule covers every word the
council publishes); the database refuses an approver who is the author. Publishing creates
one notification ``Event`` (unique per post), whose social deliveries the workers post.
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CARD_TITLE_MAX_LENGTH = 200
CARD_DESCRIPTION_MAX_LENGTH = 500
REASON_MAX_LENGTH = 500


class PostState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting", _("Awaiting approval")
    SCHEDULED = "scheduled", _("Approved, scheduled")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


class Post(models.Model):
    """One post, its text per account, and who wrote and approved it."""

    # The public item it was composed from, as the source registry names it
    # (civicportal/core/shareables.py): e.g. "consultations.opening" and the consultation's id.
    source_kind = models.CharField(_("source kind"), max_length=60)
    source_id = models.PositiveBigIntegerField(_("source id"))
    url = models.CharField(_("link"), max_length=500)
    card_title = models.CharField(_("card title"), max_length=CARD_TITLE_MAX_LENGTH)
    card_description = models.CharField(
        _("card description"), max_length=CARD_DESCRIPTION_MAX_LENGTH, blank=True
    )
    card_image_url = models.CharField(_("card image"), max_length=500, blank=True)
    # {account name: the exact text posted there, link included}.
    texts = models.JSONField(_("text per account"), default=dict)
    # Replies on the same thread at the networks (an alert's posts share one).
    thread = models.CharField(_("thread"), max_length=200, blank=True)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=PostState.choices,
        default=PostState.DRAFT,
        db_index=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="social_posts_written",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="social_posts_approved",
    )
    # The version (a digest of every published word) the approver reviewed.
    approved_version = models.CharField(_("approved version"), max_length=64, blank=True)
    reason = models.CharField(
        _("reason for cancelling or rejecting"), max_length=REASON_MAX_LENGTH, blank=True
    )
    event = models.OneToOneField(
        "notifications.Event",
        verbose_name=_("notification event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_composed_post",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("sent for approval at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled or rejected at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("social media post")
        verbose_name_plural = _("social media posts")
        constraints = [
            # The two-person rule, whatever the path.
            models.CheckConstraint(
                condition=Q(approver__isnull=True)
                | Q(author__isnull=True)
                | ~Q(approver=F("author")),
                name="outreach_post_approver_is_not_author",
                violation_error_message=_("The author of a post cannot approve it."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["scheduled", "published"])
                | (Q(approved_at__isnull=False) & ~Q(approved_version="")),
                name="outreach_post_public_only_approved",
                violation_error_message=_("A post goes out only once approved."),
            ),
            models.CheckConstraint(
                condition=~Q(state="published")
                | (Q(event__isnull=False) & Q(published_at__isnull=False)),
                name="outreach_post_published_has_event",
                violation_error_message=_("A published post has its notification event."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["cancelled", "rejected"]) | ~Q(reason=""),
                name="outreach_post_closed_has_reason",
                violation_error_message=_("Say why the post is cancelled or rejected."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "scheduled_for"], name="outreach_post_due_idx"),
            models.Index(fields=["source_kind", "source_id"], name="outreach_post_source_idx"),
        ]

    def __str__(self) -> str:
        return self.card_title

    def get_absolute_url(self) -> str:
        return reverse("outreach:post-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Not yet published nor closed: it can still be cancelled."""
        return self.state in (
            PostState.DRAFT,
            PostState.AWAITING_APPROVAL,
            PostState.SCHEDULED,
        )


auditlog.register(
    Post,
    include_fields=[
        "state",
        "texts",
        "card_title",
        "card_description",
        "scheduled_for",
        "approver",
        "reason",
    ],
)
