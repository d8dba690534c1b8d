"""seed_demo's stories part: the #WeAreRiverside campaign with its dates, a featured
story, a thanked one and one waiting for a moderator, four made-up posts carrying its
hashtag (three shown, one in the queue), the authors' participations; a second run
changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from civicportal.audience.models import Participation
from civicportal.core import demo
from civicportal.core.demo.city import seed_city
from community.demo_stories import seed_stories
from community.models.hashtag_posts import HashtagPost, HashtagPostState
from community.models.stories import Campaign, Story, StoryState, StoryThanks
from tests.demo import seed_demo

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


def test_seed_stories_dates_the_campaign_and_brings_in_its_posts_once():
    ctx = demo.DemoContext(now=timezone.now())
    seed_city(ctx)
    seed_stories(ctx)
    today = timezone.localdate(ctx.now)
    campaign = Campaign.objects.get(hashtag="#WeAreRiverside")
    assert campaign.starts_on == today - timedelta(days=30)
    assert campaign.ends_on == today + timedelta(days=60)
    assert campaign.created_at < ctx.now - timedelta(days=30)

    posts = list(HashtagPost.objects.filter(campaign=campaign))
    assert len(posts) == 4
    assert {post.network for post in posts} == {"mastodon", "bluesky"}
    for post in posts:
        # Made up, and plainly so: nobody real is quoted on the demo's campaign page.
        assert post.source_url.startswith(
            ("https://social.example/", "https://bsky.app/profile/example")
        ), post.source_url
        assert post.author_handle.endswith(("@social.example", ".bsky.social"))
        assert "example" in post.author_handle
        assert "#WeAreRiverside" in post.text
        assert post.posted_at >= timezone.make_aware(datetime.combine(campaign.starts_on, time.min))
        assert post.posted_at < post.imported_at < ctx.now
    shown = [post for post in posts if post.state == HashtagPostState.APPROVED]
    assert len(shown) == 3
    for post in shown:
        assert post.moderated_by is not None
        assert post.imported_at < post.moderated_at < ctx.now
    assert HashtagPost.objects.filter(state=HashtagPostState.PENDING).count() == 1

    before = list(
        HashtagPost.objects.order_by("pk").values_list("pk", "state", "checked_at", "imported_at")
    )
    seed_stories(ctx)
    after = list(
        HashtagPost.objects.order_by("pk").values_list("pk", "state", "checked_at", "imported_at")
    )
    assert after == before
    assert Campaign.objects.get().starts_on == campaign.starts_on


def test_the_campaign_page_shows_the_approved_posts_and_not_the_waiting_one(client, settings):
    settings.STORAGES = {  # static URLs without collectstatic's manifest
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    seed_demo()
    campaign = Campaign.objects.get(hashtag="#WeAreRiverside")
    page = client.get(campaign.get_absolute_url()).content.decode()
    for post in HashtagPost.objects.filter(campaign=campaign):
        shown = post.state == HashtagPostState.APPROVED
        assert (post.author_handle in page) is shown, post.author_handle
    assert "data-campaign-dates" in page


def test_story_authors_take_part_in_community_as_of_their_story():
    ctx = demo.DemoContext(now=timezone.now())
    seed_city(ctx)
    seed_stories(ctx)
    for story in Story.objects.select_related("author"):
        participation = Participation.objects.get(
            user=story.author, module="community", action="story"
        )
        assert participation.day == timezone.localdate(story.created_at)
