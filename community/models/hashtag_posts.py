"""Public posts carrying a campaign's hashtag, brought in from Mastodon and Bluesky.

A post lands ``pending``; a moderator approves it (it shows on the campaign page) or rejects
it. Its author may ask for its removal from the page: it is hidden at once
(``removal_requested``) until a moderator restores it or removes it for good (``removed``: a
row kept without text, author or link, only so that the next pull does not bring it back).
A post deleted at its source is deleted here (the row) at the next pull.

What is kept about a post is deliberately little: the network, its id at the source, the
link back, the author's handle and display name, the text, language and date. Nothing else
about the author (no avatar, no followers, no account id). One row per (network, source id).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from community.models.stories import Campaign

HASHTAG_POST_TEXT_MAX_LENGTH = 5000
HASHTAG_POST_REASON_MAX_LENGTH = 500


class HashtagNetwork(models.TextChoices):
    MASTODON = "mastodon", _("Mastodon")
    BLUESKY = "bluesky", _("Bluesky")


class HashtagPostState(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REMOVAL_REQUESTED = "removal_requested", _("Removal asked for")
    REMOVED = "removed", _("Removed")


class HashtagPost(models.Model):
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="hashtag_posts",
        verbose_name=_("campaign"),
    )
    network = models.CharField(_("network"), max_length=16, choices=HashtagNetwork.choices)
    # Mastodon: the status id on the configured server (what GET /api/v1/statuses/{id}
    # takes); Bluesky: the post's at:// URI (what getPosts takes).
    source_id = models.CharField(_("id at the source"), max_length=300)
    source_url = models.URLField(_("link to the original"), max_length=500, blank=True)
    author_handle = models.CharField(_("author's handle"), max_length=300, blank=True)
    author_name = models.CharField(_("author's name"), max_length=200, blank=True)
    text = models.TextField(_("text"), max_length=HASHTAG_POST_TEXT_MAX_LENGTH, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    posted_at = models.DateTimeField(_("posted"))
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=HashtagPostState.choices,
        default=HashtagPostState.PENDING,
    )
    removal_reason = models.TextField(
        _("reason given for removal"), max_length=HASHTAG_POST_REASON_MAX_LENGTH, blank=True
    )
    removal_requested_at = models.DateTimeField(_("removal asked for"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    # When the pull last saw the post or confirmed it still exists at its source: the
    # existence checks go oldest-checked first.
    checked_at = models.DateTimeField(_("last seen at the source"), null=True, blank=True)
    imported_at = models.DateTimeField(_("brought in"), auto_now_add=True)

    class Meta:
        ordering = ["-posted_at", "-pk"]
        verbose_name = _("campaign post from a social network")
        verbose_name_plural = _("campaign posts from social networks")
        constraints = [
            models.UniqueConstraint(
                fields=["network", "source_id"], name="community_hashtag_post_once"
            ),
            models.CheckConstraint(
                condition=Q(network__in=HashtagNetwork.values),
                name="community_hashtag_post_network_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=HashtagPostState.values),
                name="community_hashtag_post_state_valid",
            ),
            # A post removed for good keeps nothing but its id at the source.
            models.CheckConstraint(
                condition=~Q(state=HashtagPostState.REMOVED)
                | (Q(text="") & Q(author_handle="") & Q(author_name="") & Q(source_url="")),
                name="community_hashtag_post_removed_emptied",
            ),
        ]
        indexes = [
            models.Index(
                fields=["campaign", "state", "-posted_at"], name="community_hashtag_post_page"
            ),
            models.Index(fields=["network", "checked_at"], name="community_hashtag_post_check"),
        ]

    def __str__(self) -> str:
        # No text or author here: this is what the audit log keeps after a post is gone.
        return f"{self.get_network_display()} {self.source_id}"

    @property
    def is_shown(self) -> bool:
        return self.state == HashtagPostState.APPROVED
