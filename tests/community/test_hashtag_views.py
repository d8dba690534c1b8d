"""Campaign posts on the pages: the campaign page shows approved posts only, with their
author, network, date and a link back, beside the stories, and the campaign's dates and
area; "Ask for removal" hides a post at once (bad input and too many requests refused,
changing nothing); the moderators' queue (approve, reject, restore, remove for good) is
refused to everyone else; the admin keeps the campaigns' dates and area."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from community.models.hashtag_posts import HashtagNetwork, HashtagPost, HashtagPostState
from community.models.stories import Campaign
from tests.community.hashtag_fixtures import HashtagPostFactory
from tests.community.stories_fixtures import StoryFactory

pytestmark = pytest.mark.django_db

QUEUE = "community:staff-hashtag-post-queue"
MODERATE = "community:staff-hashtag-post-moderate"


def _removal_url(post: HashtagPost) -> str:
    return reverse("community:hashtag-post-removal", args=[post.campaign.slug, post.pk])


def test_campaign_page_shows_approved_posts_with_attribution_beside_stories(
    client, running_campaign, resident, area
):
    StoryFactory(
        author=resident, area=area, campaign=running_campaign, published=True, title="Our garden"
    )
    shown = HashtagPostFactory(
        campaign=running_campaign,
        state=HashtagPostState.APPROVED,
        text="Soup night <b>was</b> great",
        posted_at=timezone.make_aware(dt.datetime(2026, 11, 30, 12, 0)),
    )
    HashtagPostFactory(
        campaign=running_campaign,
        network=HashtagNetwork.BLUESKY,
        source_id="at://did:plc:abc/app.bsky.feed.post/3kx",
        source_url="https://bsky.app/profile/bjarni.bsky.social/post/3kx",
        author_handle="@bjarni.bsky.social",
        author_name="Bjarni",
        state=HashtagPostState.APPROVED,
    )
    for state in ("pending", "rejected", "removal_requested"):
        HashtagPostFactory(campaign=running_campaign, state=state, text=f"Hidden {state}")
    response = client.get(running_campaign.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Our garden" in html
    assert "Soup night &lt;b&gt;was&lt;/b&gt; great" in html
    assert "Anna Jónsdóttir" in html and "@anna@social.example" in html
    assert "Bjarni" in html and "@bjarni.bsky.social" in html
    assert ">Mastodon<" in html and ">Bluesky<" in html
    assert shown.source_url in html
    assert "https://bsky.app/profile/bjarni.bsky.social/post/3kx" in html
    assert 'datetime="2026-11-30' in html
    assert _removal_url(shown) in html
    assert "Hidden" not in html
    # The campaign's dates and area.
    assert running_campaign.starts_on.strftime("%Y") in html
    assert "Riverside" in html and "data-campaign-area" in html


def test_campaign_page_query_count_does_not_grow_with_its_posts(
    client, running_campaign, django_assert_max_num_queries
):
    HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.APPROVED)
    with django_assert_max_num_queries(25) as few:
        client.get(running_campaign.get_absolute_url())
    for _ in range(10):
        HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.APPROVED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(running_campaign.get_absolute_url())


def test_campaign_page_pages_posts_on_their_own(client, running_campaign):
    for n in range(25):
        HashtagPostFactory(
            campaign=running_campaign, state=HashtagPostState.APPROVED, text=f"Post number {n:02d}"
        )
    url = running_campaign.get_absolute_url()
    first = client.get(url).content.decode()
    second = client.get(url, {"posts": "2"}).content.decode()
    assert "Post number 24" in first and "Post number 00" not in first
    assert "Post number 00" in second and "Post number 24" not in second
    # A page number that is not one falls back to a page, never an error.
    assert "Post number 24" in client.get(url, {"posts": "last-but-one"}).content.decode()


def test_removal_request_hides_the_post_at_once(client, running_campaign):
    post = HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.APPROVED)
    form = client.get(_removal_url(post))
    assert form.status_code == 200 and post.text in form.content.decode()
    response = client.post(_removal_url(post), {"reason": "This is my post; please take it off."})
    assert response.status_code == 302
    assert response["Location"] == running_campaign.get_absolute_url()
    post.refresh_from_db()
    assert post.state == HashtagPostState.REMOVAL_REQUESTED
    assert post.removal_reason == "This is my post; please take it off."
    assert post.removal_requested_at is not None
    assert post.text not in client.get(running_campaign.get_absolute_url()).content.decode()
    assert LogEntry.objects.filter(
        object_pk=str(post.pk), additional_data__action="community.hashtag_post.request_removal"
    ).exists()
    # The form is gone with the post: it is not shown here any more.
    assert client.get(_removal_url(post)).status_code == 404


def test_removal_request_without_a_reason_is_fine(client, running_campaign):
    post = HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.APPROVED)
    assert client.post(_removal_url(post), {}).status_code == 302
    post.refresh_from_db()
    assert post.state == HashtagPostState.REMOVAL_REQUESTED and post.removal_reason == ""


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("x" * 501, "at most 500 characters"),
        ("Take it\x00down", "invisible control character"),
        ("Take it\x1bdown", "U+001B"),
    ],
)
def test_removal_request_bad_input_is_refused_and_changes_nothing(
    client, running_campaign, reason, message
):
    post = HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.APPROVED)
    response = client.post(_removal_url(post), {"reason": reason})
    assert response.status_code == 400
    assert message in response.content.decode()
    post.refresh_from_db()
    assert post.state == HashtagPostState.APPROVED and post.removal_reason == ""


@pytest.mark.parametrize("state", ["pending", "rejected", "removed"])
def test_removal_request_for_a_post_not_shown_is_404(client, running_campaign, state):
    emptied = {"text": "", "author_handle": "", "author_name": "", "source_url": ""}
    post = HashtagPostFactory(
        campaign=running_campaign, state=state, **(emptied if state == "removed" else {})
    )
    assert client.get(_removal_url(post)).status_code == 404
    assert client.post(_removal_url(post), {}).status_code == 404
    post.refresh_from_db()
    assert post.state == state


def test_removal_request_under_another_campaign_or_unknown_is_404(
    client, running_campaign, campaign
):
    post = HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.APPROVED)
    elsewhere = reverse("community:hashtag-post-removal", args=[campaign.slug, post.pk])
    assert client.post(elsewhere, {}).status_code == 404
    unknown = reverse("community:hashtag-post-removal", args=["no-such", post.pk])
    assert client.get(unknown).status_code == 404
    gone = reverse("community:hashtag-post-removal", args=[running_campaign.slug, 999999])
    assert client.get(gone).status_code == 404


def test_removal_requests_are_limited_per_address(client, running_campaign, settings):
    settings.COMMUNITY_HASHTAG_REMOVALS_PER_HOUR = 2
    posts = [
        HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.APPROVED)
        for _ in range(3)
    ]
    assert client.post(_removal_url(posts[0]), {}).status_code == 302
    assert client.post(_removal_url(posts[1]), {}).status_code == 302
    refused = client.post(_removal_url(posts[2]), {})
    assert refused.status_code == 429 and refused["Retry-After"]
    assert "Many removal requests came from your network" in refused.content.decode()
    posts[2].refresh_from_db()
    assert posts[2].state == HashtagPostState.APPROVED
    # Another address still may.
    other = client.post(_removal_url(posts[2]), {}, REMOTE_ADDR="192.0.2.99")
    assert other.status_code == 302


def test_queue_is_for_moderators_only(client, resident, budget_officer):
    url = reverse(QUEUE)
    assert client.get(url).status_code in (302, 403)
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.force_login(budget_officer)
    assert client.get(url).status_code == 403


def test_moderation_actions_are_refused_to_non_moderators(client, resident, running_campaign):
    post = HashtagPostFactory(campaign=running_campaign)
    client.force_login(resident)
    assert client.post(reverse(MODERATE, args=[post.pk]), {"action": "approve"}).status_code == 403
    post.refresh_from_db()
    assert post.state == HashtagPostState.PENDING


def test_moderator_approves_and_rejects_from_the_queue(client, moderator, running_campaign):
    first = HashtagPostFactory(campaign=running_campaign, text="First post")
    second = HashtagPostFactory(campaign=running_campaign, text="Second post")
    client.force_login(moderator)
    page = client.get(reverse(QUEUE)).content.decode()
    assert "First post" in page and "Second post" in page
    assert client.post(reverse(MODERATE, args=[first.pk]), {"action": "approve"}).status_code == 302
    assert client.post(reverse(MODERATE, args=[second.pk]), {"action": "reject"}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == HashtagPostState.APPROVED and first.moderated_by == moderator
    assert second.state == HashtagPostState.REJECTED
    page = client.get(running_campaign.get_absolute_url()).content.decode()
    assert "First post" in page and "Second post" not in page
    assert LogEntry.objects.filter(
        object_pk=str(first.pk), additional_data__action="community.hashtag_post.approve"
    ).exists()


def test_moderator_restores_or_removes_for_good_after_a_removal_request(
    client, moderator, running_campaign
):
    kept = HashtagPostFactory(
        campaign=running_campaign,
        state=HashtagPostState.REMOVAL_REQUESTED,
        removal_reason="Not mine at all",
        removal_requested_at=timezone.now(),
        text="Kept post",
    )
    removed = HashtagPostFactory(
        campaign=running_campaign,
        state=HashtagPostState.REMOVAL_REQUESTED,
        removal_requested_at=timezone.now(),
        text="Removed post",
    )
    client.force_login(moderator)
    page = client.get(reverse(QUEUE)).content.decode()
    assert "Not mine at all" in page and "Removed post" in page
    client.post(reverse(MODERATE, args=[kept.pk]), {"action": "restore"})
    client.post(reverse(MODERATE, args=[removed.pk]), {"action": "remove"})
    kept.refresh_from_db()
    removed.refresh_from_db()
    assert kept.state == HashtagPostState.APPROVED
    assert removed.state == HashtagPostState.REMOVED
    assert (removed.text, removed.author_handle, removed.author_name, removed.source_url) == (
        "",
        "",
        "",
        "",
    )
    page = client.get(running_campaign.get_absolute_url()).content.decode()
    assert "Kept post" in page and "Removed post" not in page
    # Nothing of the removed post lingers in the audit log either.
    entries = LogEntry.objects.filter(object_pk=str(removed.pk))
    assert entries.exists()
    assert not any("Removed post" in str(entry.changes) + entry.object_repr for entry in entries)


def test_moderation_bad_input_is_a_message_not_an_error(client, moderator, running_campaign):
    post = HashtagPostFactory(campaign=running_campaign, state=HashtagPostState.REMOVAL_REQUESTED)
    client.force_login(moderator)
    response = client.post(reverse(MODERATE, args=[post.pk]), {"action": "publish"}, follow=True)
    assert "Choose to approve, reject, restore or remove" in response.content.decode()
    response = client.post(reverse(MODERATE, args=[post.pk]), {"action": "approve"}, follow=True)
    assert "asked for this post&#x27;s removal" in response.content.decode()
    post.refresh_from_db()
    assert post.state == HashtagPostState.REMOVAL_REQUESTED
    assert client.post(reverse(MODERATE, args=[999999]), {"action": "approve"}).status_code == 404


def test_staff_screen_is_listed_for_moderators_only(rf, moderator, budget_officer):
    from civicportal.core import staff_screens

    request = rf.get("/staff/")
    request.user = moderator
    assert "community.hashtag-posts-queue" in {link.key for link in staff_screens.links(request)}
    request.user = budget_officer
    assert "community.hashtag-posts-queue" not in {
        link.key for link in staff_screens.links(request)
    }


def test_admin_keeps_campaign_dates_area_and_switch(client, administrator, area):
    client.force_login(administrator)
    url = reverse("admin:community_campaign_add")
    data = {
        "name": "Clean streets",
        "slug": "clean-streets",
        "hashtag": "#CleanStreets",
        "description": "",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "area": area.pk,
        "is_active": "on",
    }
    page = client.get(url).content.decode()
    assert 'name="starts_on"' in page and 'name="bring_in_posts"' in page
    response = client.post(url, data)
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="clean-streets")
    assert campaign.starts_on == dt.date(2026, 12, 1) and campaign.ends_on == dt.date(2026, 12, 31)
    assert campaign.area == area and campaign.bring_in_posts is False


def test_admin_refuses_a_campaign_ending_before_it_starts(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:community_campaign_add"),
        {
            "name": "Backwards",
            "slug": "backwards",
            "hashtag": "#Backwards",
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-01",
        },
    )
    assert response.status_code == 200
    assert "The campaign cannot end before it starts." in response.content.decode()
    assert not Campaign.objects.filter(slug="backwards").exists()


def test_admin_lists_posts_read_only_and_approves_through_the_service(
    client, moderator, running_campaign
):
    post = HashtagPostFactory(campaign=running_campaign, author_handle="@zoe@x.example")
    client.force_login(moderator)
    url = reverse("admin:community_hashtagpost_changelist")
    assert "@zoe@x.example" in client.get(url).content.decode()
    client.post(url, {"action": "approve_posts", "_selected_action": [post.pk]}, follow=True)
    post.refresh_from_db()
    assert post.state == HashtagPostState.APPROVED
    assert client.get(reverse("admin:community_hashtagpost_add")).status_code == 403


def test_admin_posts_are_refused_to_residents(client, resident):
    client.force_login(resident)
    response = client.get(reverse("admin:community_hashtagpost_changelist"))
    assert response.status_code in (302, 403)
