"""Campaign posts' services, rules and constraints: one row per (network, source id) and
campaign dates in order, held by the database; moderation by moderators only, each
decision from the states it may come from; a post removed for good keeps only its id and
is not brought back by the next pull, nor is a rejected one; a second removal request
changes nothing; the campaigns API shows the dates and area."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from community.models.hashtag_posts import HashtagNetwork, HashtagPost, HashtagPostState
from community.services import hashtag_posts as services
from tests.community.hashtag_fixtures import TAG, HashtagPostFactory, ago
from tests.community.stories_fixtures import CampaignFactory
from tests.fakes.social_timelines import bluesky_post, mastodon_status

pytestmark = pytest.mark.django_db


def test_one_row_per_network_and_source_id(running_campaign, campaign):
    HashtagPostFactory(campaign=running_campaign, source_id="42")
    with pytest.raises(IntegrityError), transaction.atomic():
        HashtagPostFactory(campaign=campaign, source_id="42")
    # The same id on the other network is another post.
    HashtagPostFactory(campaign=campaign, source_id="42", network=HashtagNetwork.BLUESKY)
    assert HashtagPost.objects.count() == 2


def test_a_campaign_cannot_end_before_it_starts(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignFactory(starts_on=dt.date(2026, 5, 2), ends_on=dt.date(2026, 5, 1))
    same_day = CampaignFactory(starts_on=dt.date(2026, 5, 2), ends_on=dt.date(2026, 5, 2))
    assert same_day.runs_on(dt.date(2026, 5, 2)) and not same_day.runs_on(dt.date(2026, 5, 3))


def test_a_removed_post_must_keep_nothing_but_its_id(running_campaign):
    with pytest.raises(IntegrityError), transaction.atomic():
        HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.REMOVED)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("anonymous", False),
        ("resident", False),
        ("budget_officer", False),
        ("moderator", True),
        ("administrator", True),
    ],
)
def test_who_may_moderate_campaign_posts(request, who, allowed):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    assert user.has_perm("community.moderate_hashtag_post") is allowed
    assert user.has_perm("community.view_hashtagpost") is allowed


@pytest.mark.parametrize(
    "service",
    [
        services.hashtag_post_approve,
        services.hashtag_post_reject,
        services.hashtag_post_restore,
        services.hashtag_post_remove,
    ],
)
def test_only_moderators_decide(service, resident, running_campaign):
    post = HashtagPostFactory(campaign=running_campaign)
    with pytest.raises(PermissionDenied):
        service(actor=resident, post=post)
    post.refresh_from_db()
    assert post.state == HashtagPostState.PENDING


def test_decisions_follow_the_states(moderator, running_campaign):
    post = HashtagPostFactory(campaign=running_campaign)
    with pytest.raises(ValidationError):
        services.hashtag_post_restore(actor=moderator, post=post)
    services.hashtag_post_approve(actor=moderator, post=post)
    # Asking again for the state it is in changes nothing.
    assert services.hashtag_post_approve(actor=moderator, post=post.pk).state == "approved"
    services.hashtag_post_reject(actor=moderator, post=post)
    services.hashtag_post_approve(actor=moderator, post=post)
    HashtagPost.objects.filter(pk=post.pk).update(state=HashtagPostState.REMOVAL_REQUESTED)
    with pytest.raises(ValidationError):
        services.hashtag_post_approve(actor=moderator, post=post)
    with pytest.raises(ValidationError):
        services.hashtag_post_reject(actor=moderator, post=post)
    assert services.hashtag_post_restore(actor=moderator, post=post).state == "approved"


def test_deciding_on_a_post_gone_meanwhile_says_so(moderator, running_campaign):
    post = HashtagPostFactory(campaign=running_campaign)
    HashtagPost.objects.filter(pk=post.pk).delete()
    with pytest.raises(ValidationError) as refused:
        services.hashtag_post_approve(actor=moderator, post=post)
    assert refused.value.code == "gone"


def test_second_removal_request_changes_nothing_and_counts_nothing(running_campaign, settings):
    settings.COMMUNITY_HASHTAG_REMOVALS_PER_HOUR = 1
    post = HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.APPROVED)
    services.hashtag_post_request_removal(
        campaign=running_campaign, post_id=post.pk, reason="Mine", requester="192.0.2.1"
    )
    again = services.hashtag_post_request_removal(
        campaign=running_campaign, post_id=post.pk, reason="Other", requester="192.0.2.1"
    )
    assert again.state == HashtagPostState.REMOVAL_REQUESTED and again.removal_reason == "Mine"


def test_removed_and_rejected_posts_are_not_brought_back_by_the_next_pull(
    mastodon, bluesky, running_campaign, moderator
):
    mastodon.add(
        mastodon_status(1001, tag=TAG, created_at=ago(hours=2)),
        mastodon_status(1002, tag=TAG, created_at=ago(hours=1)),
    )
    services.hashtag_posts_pull()
    removed = HashtagPost.objects.get(source_id="1001")
    rejected = HashtagPost.objects.get(source_id="1002")
    services.hashtag_post_approve(actor=moderator, post=removed)
    services.hashtag_post_request_removal(
        campaign=running_campaign, post_id=removed.pk, requester="192.0.2.1"
    )
    services.hashtag_post_remove(actor=moderator, post=removed)
    services.hashtag_post_reject(actor=moderator, post=rejected)
    report = services.hashtag_posts_pull()
    assert report.imported == 0
    assert dict(HashtagPost.objects.values_list("source_id", "state")) == {
        "1001": HashtagPostState.REMOVED,
        "1002": HashtagPostState.REJECTED,
    }
    assert HashtagPost.objects.get(source_id="1001").text == ""
    # Once deleted at its source, even the id kept of a removed post goes.
    mastodon.delete(1001)
    services.hashtag_posts_pull()
    assert not HashtagPost.objects.filter(source_id="1001").exists()


def test_a_post_already_brought_in_for_another_campaign_stays_there(
    mastodon, bluesky, running_campaign
):
    other = CampaignFactory(hashtag="#GreenRiverside", starts_on=running_campaign.starts_on)
    both = mastodon_status(1001, tag=TAG, created_at=ago(hours=1))
    both["tags"].append({"name": "greenriverside", "url": "https://social.example/tags/g"})
    mastodon.add(both)
    bluesky.add(bluesky_post("3kabc", tag=TAG, created_at=ago(hours=1)))
    services.hashtag_posts_pull()
    assert HashtagPost.objects.get(source_id="1001").campaign == running_campaign
    assert not other.hashtag_posts.exists()


def test_campaigns_api_shows_dates_and_area(client, running_campaign):
    data = client.get(f"/api/v1/stories/campaigns/{running_campaign.slug}/").json()
    assert data["starts_on"] == running_campaign.starts_on.isoformat()
    assert data["ends_on"] == running_campaign.ends_on.isoformat()
    assert data["area"] == "riverside"
