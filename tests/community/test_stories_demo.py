"""seed_demo's stories part: the #WeAreRiverside campaign with a featured story, a thanked
one and one waiting for a moderator; a second run changes nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from civicportal.core import demo
from civicportal.core.demo.city import seed_city
from community.demo_stories import seed_stories
from community.models.stories import Campaign, Story, StoryState, StoryThanks

pytestmark = pytest.mark.django_db


def test_seed_stories_fills_a_featured_story_in_a_campaign_once():
    ctx = demo.DemoContext(now=timezone.now())
    seed_city(ctx)
    seed_stories(ctx)
    campaign = Campaign.objects.get(hashtag="#WeAreRiverside")
    featured = Story.objects.get(featured_at__isnull=False)
    assert featured.campaign == campaign and featured.state == StoryState.PUBLISHED
    assert featured.published_at < featured.featured_at <= ctx.now
    assert featured.created_at < featured.published_at
    assert featured.thanks_count == StoryThanks.objects.filter(story=featured).count() > 0
    assert Story.objects.filter(state=StoryState.PENDING).count() == 1
    counts = (Story.objects.count(), StoryThanks.objects.count())
    seed_stories(ctx)
    assert (Story.objects.count(), StoryThanks.objects.count()) == counts
