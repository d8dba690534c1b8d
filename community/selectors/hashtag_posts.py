"""Reads of campaign posts brought in from Mastodon and Bluesky. None of them follows a
relation per row (a post carries its author and network in its own columns), so a page
costs the same number of queries whatever its length."""

from __future__ import annotations

from django.db.models import QuerySet

from community.models.hashtag_posts import HashtagPost, HashtagPostState
from community.models.stories import Campaign


def hashtag_post_list_shown(*, campaign: Campaign) -> QuerySet[HashtagPost]:
    """What the campaign page shows: approved posts only, newest first."""
    return HashtagPost.objects.filter(campaign=campaign, state=HashtagPostState.APPROVED).order_by(
        "-posted_at", "-pk"
    )


def hashtag_post_get_shown(*, campaign: Campaign, pk: int) -> HashtagPost:
    """A post shown on ``campaign``'s page; ``HashtagPost.DoesNotExist`` otherwise."""
    return hashtag_post_list_shown(campaign=campaign).get(pk=pk)


def hashtag_post_list_pending() -> QuerySet[HashtagPost]:
    """The moderators' queue: oldest first, so nobody waits longest."""
    return (
        HashtagPost.objects.filter(state=HashtagPostState.PENDING)
        .select_related("campaign")
        .order_by("posted_at", "pk")
    )


def hashtag_post_list_removal_requested() -> QuerySet[HashtagPost]:
    """Posts hidden at their author's request, waiting for a moderator: oldest request
    first."""
    return (
        HashtagPost.objects.filter(state=HashtagPostState.REMOVAL_REQUESTED)
        .select_related("campaign")
        .order_by("removal_requested_at", "pk")
    )
