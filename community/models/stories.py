"""Stories (civic pride): residents' short stories with a photo, an area and an optional
staff campaign (a hashtag), published once a moderator accepts them; residents thank them.

A story is ``pending`` until a moderator publishes or rejects it (with a reason the author
reads). Staff code may publish one directly (``services.stories.story_publish_from``, for
an event's outcome). ``featured_at`` puts a published story on the home page. Thanks are
one per resident and story (a unique constraint); ``thanks_count`` is kept with them under
a lock on the story row (``services.stories.story_thank``).
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STORY_TITLE_MAX_LENGTH = 120
STORY_BODY_MAX_LENGTH = 3000
STORY_REASON_MAX_LENGTH = 500
PHOTO_DESCRIPTION_MAX_LENGTH = 200

# "#" then a letter, then letters, digits or underscores: what Mastodon and Bluesky link as
# one hashtag (a space, a dash or a second "#" would cut it short on the networks).
HASHTAG_PATTERN = r"^#[^\W\d_]\w{1,49}\Z"
hashtag_validator = RegexValidator(
    HASHTAG_PATTERN,
    message=_(
        "A hashtag starts with “#” and a letter, then letters, digits or underscores only "
        "(no spaces or dashes), 3 to 51 characters in all, e.g. #WeAreRiverside."
    ),
    code="invalid_hashtag",
)


class Campaign(models.Model):
    """A staff campaign residents may file their story under, e.g. #WeAreRiverside."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    hashtag = models.CharField(
        _("hashtag"),
        max_length=51,
        unique=True,
        validators=[hashtag_validator],
        help_text=_("Shown with every story of the campaign, e.g. #WeAreRiverside."),
    )
    description = models.TextField(_("description"), max_length=2000, blank=True)
    is_active = models.BooleanField(
        _("open for stories"),
        default=True,
        help_text=_("Residents can file new stories under an open campaign."),
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("Leave empty for an open-ended campaign.")
    )
    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="community_campaigns",
        verbose_name=_("area"),
        help_text=_("Optional: the part of the council the campaign is about."),
    )
    bring_in_posts = models.BooleanField(
        _("bring in public posts"),
        default=True,
        help_text=_(
            "While the campaign runs, public Mastodon and Bluesky posts carrying its hashtag "
            "are brought into the moderation queue; approved ones appear on its page."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("story campaign")
        verbose_name_plural = _("story campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="community_campaign_ends_after_start",
                violation_error_message=_("The campaign cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hashtag})"

    def get_absolute_url(self) -> str:
        return reverse("community:campaign-detail", args=[self.slug])

    def runs_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class StoryState(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class StoryQuerySet(models.QuerySet):
    def published(self) -> StoryQuerySet:
        return self.filter(state=StoryState.PUBLISHED)


class Story(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_stories",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=STORY_TITLE_MAX_LENGTH)
    body = models.TextField(_("story"), max_length=STORY_BODY_MAX_LENGTH)
    body_html = models.TextField(editable=False, default="")
    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.PROTECT,
        related_name="community_stories",
        verbose_name=_("area"),
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stories",
        verbose_name=_("campaign"),
    )
    photo = models.ImageField(
        _("photo"), upload_to="community/stories/%Y/%m/", blank=True, max_length=200
    )
    photo_description = models.CharField(
        _("photo description"), max_length=PHOTO_DESCRIPTION_MAX_LENGTH, blank=True
    )
    # Where a story published by staff code came from (an event's outcome page).
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    # The event whose outcome this story tells: one story per event (the unique key).
    event = models.OneToOneField(
        "community.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="story",
        verbose_name=_("event"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=StoryState.choices, default=StoryState.PENDING
    )
    rejection_reason = models.TextField(
        _("reason for rejection"), max_length=STORY_REASON_MAX_LENGTH, blank=True
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    featured_at = models.DateTimeField(_("featured on the home page"), null=True, blank=True)
    thanks_count = models.PositiveIntegerField(_("thanks"), default=0)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=StoryState.values), name="community_story_state_valid"
            ),
            # Published stories have a date; only published ones can be featured.
            models.CheckConstraint(
                condition=~Q(state=StoryState.PUBLISHED) | Q(published_at__isnull=False),
                name="community_story_published_dated",
            ),
            models.CheckConstraint(
                condition=Q(featured_at__isnull=True) | Q(state=StoryState.PUBLISHED),
                name="community_story_featured_published",
            ),
            models.CheckConstraint(
                condition=~Q(state=StoryState.REJECTED) | ~Q(rejection_reason=""),
                name="community_story_rejected_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-published_at"], name="community_story_state_pub"),
            models.Index(
                fields=["-featured_at"],
                name="community_story_featured",
                condition=Q(featured_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:story-detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.state == StoryState.PUBLISHED

    @property
    def is_featured(self) -> bool:
        return self.featured_at is not None

    @property
    def summary(self) -> str:
        text = " ".join(self.body.split())
        return text if len(text) <= 200 else text[:199].rstrip() + "…"

    @property
    def author_name(self) -> str:
        return self.author.public_name


class StoryThanks(models.Model):
    """A resident's thanks for a story: one per resident and story."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="thanks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_story_thanks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thanks for a story")
        verbose_name_plural = _("thanks for stories")
        constraints = [
            models.UniqueConstraint(fields=["story", "user"], name="community_thanks_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.story_id}"


auditlog.register(
    Story,
    include_fields=["title", "state", "rejection_reason", "featured_at", "campaign", "area"],
)
auditlog.register(Campaign)
