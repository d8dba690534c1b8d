"""Reads of stories and campaigns. Lists select their author, area and campaign in the same
query, so a page costs the same number of queries whatever its length."""

from __future__ import annotations

from django.db.models import QuerySet

from civicportal.accounts.models import User
from community.models.stories import Campaign, Story, StoryState, StoryThanks

_LIST_RELATED = ("author", "area", "campaign")


def story_list_published(*, area=None, campaign: Campaign | None = None) -> QuerySet[Story]:
    stories = Story.objects.published().select_related(*_LIST_RELATED)
    if area is not None:
        stories = stories.filter(area=area)
    if campaign is not None:
        stories = stories.filter(campaign=campaign)
    return stories.order_by("-published_at", "-pk")


def story_list_featured(*, limit: int = 3) -> list[Story]:
    return list(
        Story.objects.published()
        .filter(featured_at__isnull=False)
        .select_related(*_LIST_RELATED)
        .order_by("-featured_at", "-pk")[:limit]
    )


def story_list_pending() -> QuerySet[Story]:
    """The moderators' queue: oldest first, so nobody waits longest."""
    return (
        Story.objects.filter(state=StoryState.PENDING)
        .select_related(*_LIST_RELATED)
        .order_by("created_at", "pk")
    )


def story_list_of_author(*, author: User) -> QuerySet[Story]:
    return (
        Story.objects.filter(author=author)
        .select_related(*_LIST_RELATED)
        .order_by("-created_at", "-pk")
    )


def story_get(*, viewer, pk: int) -> Story:
    """The story if ``viewer`` may read it; ``Story.DoesNotExist`` otherwise (a pending or
    rejected story is not revealed to anyone but its author and moderators)."""
    story = Story.objects.select_related(*_LIST_RELATED).get(pk=pk)
    if not viewer.has_perm("community.view_story", story):
        raise Story.DoesNotExist
    return story


def story_thanked_by(*, viewer, story: Story) -> bool:
    if not (viewer and viewer.is_authenticated):
        return False
    return StoryThanks.objects.filter(story=story, user=viewer).exists()


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("area").order_by("-is_active", "name")


def campaign_list_open() -> QuerySet[Campaign]:
    return Campaign.objects.filter(is_active=True).order_by("name")


def campaign_get(*, slug: str) -> Campaign:
    return Campaign.objects.select_related("area").get(slug=slug)
