"""Campaign posts' test data: the two networks' read endpoints as real servers on loopback
(tests/fakes/social_timelines.py), the portal's settings pointed at them, a running
campaign, and posts in each state."""

from __future__ import annotations

import datetime as dt

import factory
import pytest
from django.utils import timezone

from community.models.hashtag_posts import HashtagNetwork, HashtagPost, HashtagPostState
from tests.community.stories_fixtures import CampaignFactory
from tests.fakes.social_timelines import BlueskyAppView, MastodonTimeline

TAG = "RiversideInBloom"


class HashtagPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HashtagPost

    network = HashtagNetwork.MASTODON
    source_id = factory.Sequence(lambda n: str(100000 + n))
    source_url = factory.LazyAttribute(
        lambda post: f"https://social.example/@anna/{post.source_id}"
    )
    author_handle = "@anna@social.example"
    author_name = "Anna Jónsdóttir"
    text = "Planting day by the river! #WeAreRiverside"
    language = "en"
    posted_at = factory.LazyFunction(timezone.now)
    state = HashtagPostState.PENDING


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


@pytest.fixture
def mastodon(settings):
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    server = MastodonTimeline().start()
    settings.COMMUNITY_HASHTAG_MASTODON_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def bluesky(settings):
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    server = BlueskyAppView().start()
    settings.COMMUNITY_HASHTAG_BLUESKY_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def running_campaign(db, area):
    return CampaignFactory(
        name="Riverside in bloom",
        slug="riverside-in-bloom",
        hashtag=f"#{TAG}",
        starts_on=timezone.localdate() - dt.timedelta(days=7),
        ends_on=timezone.localdate() + dt.timedelta(days=7),
        area=area,
    )
