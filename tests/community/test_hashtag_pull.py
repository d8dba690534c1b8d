"""The periodic pull of a campaign's hashtag from Mastodon and Bluesky, against real servers
on loopback that answer with the networks' documented response shapes: import, pages,
no duplicate on a re-pull, boosts and content warnings skipped, HTML made plain text, a
deletion at the source removing the post at the next pull, one network down while the
other is still brought in, and what is (not) kept about an author."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicportal.core import periodic
from community.models.hashtag_posts import HashtagNetwork, HashtagPost, HashtagPostState
from community.services.hashtag_posts import hashtag_posts_pull
from community.services.hashtag_sources import plain_text
from community.tasks_hashtags import hashtag_posts_pull_task
from tests.community.hashtag_fixtures import TAG, HashtagPostFactory, ago
from tests.community.stories_fixtures import CampaignFactory
from tests.fakes.social_timelines import bluesky_post, mastodon_status

pytestmark = pytest.mark.django_db

BLUESKY_DID = "did:plc:z72i7hdynmk6r22z27h6tvur"


def _mastodon_posts():
    return HashtagPost.objects.filter(network=HashtagNetwork.MASTODON)


def _bluesky_posts():
    return HashtagPost.objects.filter(network=HashtagNetwork.BLUESKY)


def test_mastodon_posts_are_imported_pending_with_attribution_and_plain_text(
    mastodon, bluesky, running_campaign
):
    mastodon.add(
        mastodon_status(
            1001,
            tag=TAG,
            created_at=ago(hours=2),
            html=(
                '<p>Planting day &amp; soup by the river!<br>Come along</p><p><a href="'
                'https://social.example/tags/wearefiverside" class="mention hashtag" rel="tag">'
                "#<span>WeAreRiverside</span></a> <script>alert(1)</script></p>"
            ),
            language="is",
        ),
        mastodon_status(1002, tag=TAG, created_at=ago(hours=1), acct="bo", display_name=""),
    )
    report = hashtag_posts_pull()
    assert report.imported == 2 and report.failed == []
    first = HashtagPost.objects.get(source_id="1001")
    assert first.campaign == running_campaign
    assert first.state == HashtagPostState.PENDING
    assert first.network == HashtagNetwork.MASTODON
    assert first.text == "Planting day & soup by the river!\nCome along\n\n#WeAreRiverside"
    assert first.author_handle == "@anna@social.example"
    assert first.author_name == "Anna Jónsdóttir"
    assert first.source_url == "https://social.example/@anna/1001"
    assert first.language == "is"
    # A local account's handle is completed with the server's name.
    second = HashtagPost.objects.get(source_id="1002")
    assert second.author_handle == f"@bo@{mastodon.server.server_address[0]}"
    path, query, _headers = mastodon.received()[0]
    assert path == f"/api/v1/timelines/tag/{TAG}" and query["limit"] == ["40"]


def test_nothing_else_about_the_author_is_stored(mastodon, bluesky, running_campaign):
    mastodon.add(mastodon_status(1001, tag=TAG, created_at=ago(hours=2)))
    bluesky.add(bluesky_post("3kabc", tag=TAG, created_at=ago(hours=1)))
    hashtag_posts_pull()
    # Every text the rows hold (ids and times are numbers the fakes' values could collide with).
    stored = " ".join(
        value
        for row in HashtagPost.objects.values()
        for value in row.values()
        if isinstance(value, str)
    )
    for kept_out in ("avatar", "321", "Gardener", "109302", "headers/", "cdn.bsky.app"):
        assert kept_out not in stored
    # The Bluesky account id appears only inside the post's URI, which getPosts needs.
    post = _bluesky_posts().get()
    assert post.source_id == f"at://{BLUESKY_DID}/app.bsky.feed.post/3kabc"
    assert BLUESKY_DID not in post.source_url + post.author_handle + post.author_name


def test_mastodon_timeline_is_followed_page_by_page_with_max_id(
    mastodon, bluesky, running_campaign
):
    mastodon.add(
        *(mastodon_status(2000 + n, tag=TAG, created_at=ago(minutes=100 - n)) for n in range(95))
    )
    report = hashtag_posts_pull()
    assert report.imported == 95
    timeline = [
        query for path, query, _h in mastodon.received() if path.startswith("/api/v1/timelines")
    ]
    # 40 a page, newest first; the fourth page (older than 2000) comes back empty.
    assert [query.get("max_id") for query in timeline] == [None, ["2055"], ["2015"], ["2000"]]


def test_pages_stop_at_the_campaign_start(mastodon, bluesky, settings, area):
    settings.COMMUNITY_HASHTAG_MAX_PAGES = 10
    campaign = CampaignFactory(hashtag=f"#{TAG}", starts_on=timezone.localdate())
    mastodon.add(
        *(
            mastodon_status(3000 + n, tag=TAG, created_at=ago(days=3, minutes=-n))
            for n in range(80)
        ),
        mastodon_status(3100, tag=TAG, created_at=timezone.now() - dt.timedelta(seconds=5)),
    )
    hashtag_posts_pull()
    # Only the post from within the campaign's dates is brought in; the older page that
    # reached before the start was the last one asked for.
    assert list(HashtagPost.objects.values_list("source_id", flat=True)) == ["3100"]
    assert HashtagPost.objects.get().campaign == campaign
    timeline = [p for p in mastodon.paths() if p.startswith("/api/v1/timelines")]
    assert len(timeline) == 1


def test_re_pull_adds_no_duplicate_and_leaves_decided_posts_alone(
    mastodon, bluesky, running_campaign
):
    mastodon.add(
        mastodon_status(1001, tag=TAG, created_at=ago(hours=3)),
        mastodon_status(1002, tag=TAG, created_at=ago(hours=2)),
    )
    bluesky.add(bluesky_post("3kabc", tag=TAG, created_at=ago(hours=1)))
    hashtag_posts_pull()
    approved = HashtagPost.objects.get(source_id="1001")
    HashtagPost.objects.filter(pk=approved.pk).update(state=HashtagPostState.APPROVED)
    # The authors edit both posts; the next pull sees the new texts.
    for status in mastodon.statuses:
        status["content"] = "<p>Edited #WeAreRiverside</p>"
    report = hashtag_posts_pull()
    assert report.imported == 0
    assert HashtagPost.objects.count() == 3
    approved.refresh_from_db()
    assert approved.state == HashtagPostState.APPROVED
    assert approved.text.startswith("Planting day")
    # A post still waiting shows the moderator the text as it is now.
    assert HashtagPost.objects.get(source_id="1002").text == "Edited #WeAreRiverside"


def test_boosts_content_warnings_and_non_public_posts_are_skipped(
    mastodon, bluesky, running_campaign
):
    original = mastodon_status(1001, tag=TAG, created_at=ago(hours=5), acct="else@far.example")
    mastodon.add(
        mastodon_status(1002, tag=TAG, created_at=ago(hours=4), reblog=original),
        mastodon_status(1003, tag=TAG, created_at=ago(hours=3), sensitive=True),
        mastodon_status(1004, tag=TAG, created_at=ago(hours=3), spoiler_text="food"),
        mastodon_status(1005, tag=TAG, created_at=ago(hours=2), visibility="unlisted"),
        mastodon_status(1006, tag=TAG, created_at=ago(hours=1)),
    )
    hashtag_posts_pull()
    assert list(_mastodon_posts().values_list("source_id", flat=True)) == ["1006"]


def test_bluesky_posts_are_imported_with_a_link_to_the_post(mastodon, bluesky, running_campaign):
    bluesky.add(
        bluesky_post("3kabc", tag=TAG, created_at=ago(hours=2), langs=["cy"]),
        # Found by the search, but the tag is only part of a longer word: not the campaign's.
        bluesky_post(
            "3kdef",
            tag=TAG,
            created_at=ago(hours=1),
            text=f"#{TAG}Later is another tag",
            with_facet=False,
        ),
        # The author asked not to be shown to people who are not signed in.
        bluesky_post(
            "3kghi",
            tag=TAG,
            created_at=ago(hours=1),
            labels=[{"src": BLUESKY_DID, "val": "!no-unauthenticated"}],
        ),
    )
    hashtag_posts_pull()
    post = _bluesky_posts().get()
    assert post.source_url == "https://bsky.app/profile/bjarni.bsky.social/post/3kabc"
    assert post.author_handle == "@bjarni.bsky.social" and post.author_name == "Bjarni"
    assert post.text == f"Our street cleaned up together #{TAG}"
    assert post.language == "cy" and post.state == HashtagPostState.PENDING
    path, query, _headers = bluesky.received()[0]
    assert path == "/xrpc/app.bsky.feed.searchPosts"
    assert query["q"] == [f"#{TAG}"] and query["sort"] == ["latest"]
    assert query["limit"] == ["50"]


def test_bluesky_search_is_followed_with_its_cursor(mastodon, bluesky, running_campaign):
    bluesky.add(
        *(bluesky_post(f"3k{n:03d}", tag=TAG, created_at=ago(minutes=200 - n)) for n in range(120))
    )
    report = hashtag_posts_pull()
    assert report.imported == 120
    cursors = [q.get("cursor") for p, q, _h in bluesky.received() if p.endswith("searchPosts")]
    assert cursors == [None, ["50"], ["100"]]


def test_a_post_deleted_at_the_source_is_removed_at_the_next_pull(
    mastodon, bluesky, running_campaign
):
    mastodon.add(
        mastodon_status(1001, tag=TAG, created_at=ago(hours=3)),
        mastodon_status(1002, tag=TAG, created_at=ago(hours=2)),
    )
    bluesky.add(
        bluesky_post("3kabc", tag=TAG, created_at=ago(hours=2)),
        bluesky_post("3kdef", tag=TAG, created_at=ago(hours=1)),
    )
    hashtag_posts_pull()
    HashtagPost.objects.update(state=HashtagPostState.APPROVED)
    mastodon.delete(1001)
    bluesky.delete(f"at://{BLUESKY_DID}/app.bsky.feed.post/3kdef")
    report = hashtag_posts_pull()
    assert report.deleted == 2
    assert sorted(HashtagPost.objects.values_list("source_id", flat=True)) == [
        "1002",
        f"at://{BLUESKY_DID}/app.bsky.feed.post/3kabc",
    ]
    assert "/api/v1/statuses/1001" in mastodon.paths()
    get_posts = [q for p, q, _h in bluesky.received() if p.endswith("getPosts")]
    assert get_posts[-1]["uris"] == [f"at://{BLUESKY_DID}/app.bsky.feed.post/3kdef"]


def test_posts_the_pull_no_longer_lists_but_that_still_exist_are_kept(
    mastodon, bluesky, running_campaign
):
    # Brought in by an earlier pull; the timeline's window no longer reaches them.
    older = HashtagPostFactory(campaign=running_campaign, source_id="900", checked_at=ago(days=1))
    mastodon.add(mastodon_status(900, tag="SomethingElse", created_at=ago(days=2)))
    report = hashtag_posts_pull()
    assert report.deleted == 0
    older.refresh_from_db()
    assert older.checked_at > ago(minutes=1)


def test_existence_checks_are_bounded_and_go_oldest_checked_first(
    mastodon, bluesky, running_campaign, settings
):
    settings.COMMUNITY_HASHTAG_CHECKS_PER_RUN = 2
    fresh = HashtagPostFactory(campaign=running_campaign, source_id="10", checked_at=ago(hours=1))
    stale = HashtagPostFactory(campaign=running_campaign, source_id="11", checked_at=ago(days=2))
    never = HashtagPostFactory(campaign=running_campaign, source_id="12", checked_at=None)
    report = hashtag_posts_pull()
    # None of them exists on the server any more: the two checked longest ago go first.
    assert report.deleted == 2
    assert list(HashtagPost.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert {"/api/v1/statuses/11", "/api/v1/statuses/12"} <= set(mastodon.paths())
    assert "/api/v1/statuses/10" not in mastodon.paths()
    assert not HashtagPost.objects.filter(pk__in=[stale.pk, never.pk]).exists()


def test_one_network_down_does_not_stop_the_other(mastodon, bluesky, running_campaign):
    HashtagPostFactory(campaign=running_campaign, source_id="500", state="approved")
    mastodon.down = True
    bluesky.add(bluesky_post("3kabc", tag=TAG, created_at=ago(hours=1)))
    report = hashtag_posts_pull()
    assert report.failed == [HashtagNetwork.MASTODON]
    assert _bluesky_posts().count() == 1
    # A network that fails deletes nothing: its posts are not "gone", only unseen.
    assert _mastodon_posts().filter(source_id="500").exists()
    # It comes back: the next run brings its posts in.
    mastodon.down = False
    mastodon.add(mastodon_status(501, tag=TAG, created_at=ago(minutes=5)))
    mastodon.add(mastodon_status(500, tag=TAG, created_at=ago(minutes=50)))
    report = hashtag_posts_pull()
    assert report.failed == [] and _mastodon_posts().count() == 2


def test_bluesky_answering_an_error_is_skipped_and_mastodon_still_imported(
    mastodon, bluesky, running_campaign, settings
):
    settings.COMMUNITY_HASHTAG_BLUESKY_URL = f"{mastodon.url}/not-an-appview"
    mastodon.add(mastodon_status(1001, tag=TAG, created_at=ago(hours=1)))
    report = hashtag_posts_pull()
    assert report.failed == [HashtagNetwork.BLUESKY]
    assert _mastodon_posts().count() == 1


def test_outbound_guard_refuses_loopback_unless_allowed(
    mastodon, bluesky, running_campaign, settings
):
    settings.OUTBOUND_ALLOW_LOOPBACK = False
    mastodon.add(mastodon_status(1001, tag=TAG, created_at=ago(hours=1)))
    report = hashtag_posts_pull()
    assert sorted(report.failed) == [HashtagNetwork.BLUESKY, HashtagNetwork.MASTODON]
    assert HashtagPost.objects.count() == 0
    assert mastodon.paths() == []


def test_bearer_tokens_are_sent_when_set(mastodon, bluesky, running_campaign, settings):
    settings.COMMUNITY_HASHTAG_MASTODON_TOKEN = "masto-read"
    settings.COMMUNITY_HASHTAG_BLUESKY_TOKEN = "bsky-read"
    hashtag_posts_pull()
    assert mastodon.received()[0][2]["authorization"] == "Bearer masto-read"
    assert bluesky.received()[0][2]["authorization"] == "Bearer bsky-read"


def test_no_token_means_no_authorization_header(mastodon, bluesky, running_campaign):
    hashtag_posts_pull()
    assert "authorization" not in mastodon.received()[0][2]
    assert "authorization" not in bluesky.received()[0][2]


def test_only_running_campaigns_with_the_switch_on_are_pulled(mastodon, bluesky, area):
    today = timezone.localdate()
    CampaignFactory(hashtag="#Ended", starts_on=today - dt.timedelta(days=9), ends_on=today)
    CampaignFactory(hashtag="#Finished", starts_on=today - dt.timedelta(days=9),
                    ends_on=today - dt.timedelta(days=1))  # fmt: skip
    CampaignFactory(hashtag="#Later", starts_on=today + dt.timedelta(days=1))
    CampaignFactory(hashtag="#Switched", starts_on=today, bring_in_posts=False)
    hashtag_posts_pull()
    asked = {p.rsplit("/", 1)[1] for p in mastodon.paths() if p.startswith("/api/v1/timelines")}
    assert asked == {"Ended"}


def test_posts_after_the_campaign_end_are_not_brought_in(mastodon, bluesky, area):
    today = timezone.localdate()
    campaign = CampaignFactory(
        hashtag=f"#{TAG}", starts_on=today - dt.timedelta(days=9), ends_on=today
    )
    yesterday = timezone.now() - dt.timedelta(days=1)
    mastodon.add(mastodon_status(1001, tag=TAG, created_at=yesterday))
    hashtag_posts_pull(today=today + dt.timedelta(days=1))
    assert HashtagPost.objects.count() == 0
    hashtag_posts_pull(today=today)
    assert HashtagPost.objects.get().campaign == campaign


def test_malformed_items_are_skipped_not_fatal(mastodon, bluesky, running_campaign):
    good = mastodon_status(1001, tag=TAG, created_at=ago(hours=1))
    broken_id = mastodon_status(1002, tag=TAG, created_at=ago(hours=1))
    broken_id["id"] = "../../admin"
    no_date = mastodon_status(1003, tag=TAG, created_at=ago(hours=1))
    no_date["created_at"] = "yesterday"
    bad_link = mastodon_status(1004, tag=TAG, created_at=ago(hours=1))
    bad_link["url"] = bad_link["uri"] = "javascript:alert(1)"
    too_long = "a" * 290 + "@far.example"
    long_handle = mastodon_status(1005, tag=TAG, created_at=ago(hours=1), acct=too_long)
    mastodon.add(good, broken_id, no_date, bad_link, long_handle)
    long_uri = bluesky_post("3k" + "x" * 120, tag=TAG, created_at=ago(hours=1))
    no_record = bluesky_post("3kabc", tag=TAG, created_at=ago(hours=1))
    no_record["record"] = "not a record"
    bluesky.add(long_uri, no_record, bluesky_post("3kdef", tag=TAG, created_at=ago(hours=1)))
    report = hashtag_posts_pull()
    assert report.failed == []
    assert sorted(HashtagPost.objects.values_list("source_id", flat=True)) == [
        "1001",
        f"at://{BLUESKY_DID}/app.bsky.feed.post/3kdef",
    ]


def test_the_task_runs_the_pull_and_is_scheduled_every_ten_minutes(
    mastodon, bluesky, running_campaign
):
    mastodon.add(mastodon_status(1001, tag=TAG, created_at=ago(hours=1)))
    result = hashtag_posts_pull_task()
    assert result["imported"] == 1 and result["failed"] == []
    job = periodic.beat_schedule()["community-hashtag-posts-pull"]
    assert job["task"] == "community.tasks_hashtags.hashtag_posts_pull_task"
    assert job["schedule"] == 600.0 and job["options"]["expires"] < 600


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("<p>x<br/>y</p>", "x\ny"),
        ('<p>&lt;script&gt; is <b>text</b> <img src=x onerror="alert(1)"></p>', "<script> is text"),
        ("<p>zero\u200bwidth\x07bell</p>", "zerowidthbell"),
        ("<style>p{}</style><p>ok</p>", "ok"),
    ],
)
def test_plain_text_strips_markup_and_controls(html, text):
    assert plain_text(html) == text


def test_plain_text_is_cut_to_the_column_size():
    assert len(plain_text("<p>" + "a" * 6000 + "</p>")) == 5000
