"""Demo data for stories: the #WeAreRiverside campaign (started a month ago, runs two more),
stories residents shared in it over the last weeks (published by the moderator, one
featured on the home page, one thanked by neighbours) and one still waiting in the
moderation queue, and four public posts carrying its hashtag brought in from Mastodon and
Bluesky (three approved, shown on the campaign page, one waiting for a moderator). The
posts and their authors are made up: handles on ``social.example`` and
``example-*.bsky.social``. Runs once: a second seed_demo finds the campaign, the stories
and the posts by their titles and ids and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from auditlog.models import LogEntry
from django.utils import timezone

from civicportal.accounts import roles
from civicportal.audience.demo import participation_demo
from civicportal.core import demo
from community.models.hashtag_posts import HashtagNetwork, HashtagPost, HashtagPostState
from community.models.stories import Campaign, Story
from community.services import hashtag_posts as hashtag_services
from community.services import stories as services
from community.services.hashtag_sources import FetchedPost, Pull

CAMPAIGN = {
    "slug": "we-are-riverside",
    "name": "We are Riverside",
    "hashtag": "#WeAreRiverside",
    "description": "What makes your street, your park or your neighbours worth being proud "
    "of? Share it with the city.",
}
# The campaign's dates around the day of the seed; it is about the whole city, so no one
# of its areas (neighbourhoods) is the campaign's.
CAMPAIGN_STARTED_DAYS_AGO = 30
CAMPAIGN_ENDS_IN_DAYS = 60

# Public posts carrying the hashtag, as the pull brings them in. Fictional authors and
# links: (network, id at the source, link, handle, name, text, days ago, approved).
HASHTAG_POSTS = [
    (
        HashtagNetwork.MASTODON,
        "113900000000000001",
        "https://social.example/@millbrook_gardens/113900000000000001",
        "@millbrook_gardens@social.example",
        "Millbrook Gardeners (example)",
        "Twenty of us planted 2,000 crocus bulbs on Millbrook green this morning. Come and "
        "see them in March! #WeAreRiverside",
        24,
        True,
    ),
    (
        HashtagNetwork.BLUESKY,
        "at://did:plc:examplerivers1de01/app.bsky.feed.post/3demoriverside01",
        "https://bsky.app/profile/example-harbourside.bsky.social/post/3demoriverside01",
        "@example-harbourside.bsky.social",
        "Harbourside Residents (example)",
        "The marina at sunset, from the new footbridge. Still can't believe we live here. "
        "#WeAreRiverside",
        15,
        True,
    ),
    (
        HashtagNetwork.MASTODON,
        "113900000000000002",
        "https://social.example/@lido_swimmers/113900000000000002",
        "@lido_swimmers@social.example",
        "Riverside Lido Swimmers (example)",
        "Forty early swimmers at the lido today, water at 14 degrees, coffee after. The "
        "lido turns ninety this year. #WeAreRiverside",
        8,
        True,
    ),
    (
        HashtagNetwork.BLUESKY,
        "at://did:plc:examplerivers1de02/app.bsky.feed.post/3demoriverside02",
        "https://bsky.app/profile/example-northfield.bsky.social/post/3demoriverside02",
        "@example-northfield.bsky.social",
        "Northfield Students (example)",
        "Northfield college students fixed 31 bikes for free at the bus depot on Saturday. "
        "Same again next month! #WeAreRiverside",
        2,
        False,
    ),
]
# The links residents came through to share their story (AUDIENCE_SOURCES).
STORY_SOURCES = ["mastodon", "bluesky", ""]


class _DemoNetwork:
    """One network's answer to the pull, made of ``HASHTAG_POSTS`` instead of a request:
    the posts go through the pull's own storing (``hashtag_posts_pull``), as fetched ones
    do. Every post it lists exists, so none is deleted."""

    def __init__(self, network: str, posts: list[FetchedPost]) -> None:
        self.network = network
        self.posts = posts

    def pull(self, *, hashtag: str, since: datetime, max_pages: int) -> Pull:
        if hashtag != CAMPAIGN["hashtag"]:
            return Pull(posts=[], seen_ids=set())
        return Pull(posts=list(self.posts), seen_ids={post.source_id for post in self.posts})

    def gone(self, source_ids: list[str]) -> set[str]:
        return set()

    def close(self) -> None:
        pass


# (title, body, days ago, featured, published)
STORIES = [
    (
        "The library garden that three neighbours built",
        "Two summers ago the patch behind Mill Road library was gravel and nettles. Ingrid, "
        "Tomás and I asked the librarians if we could plant it.\n\nToday there are four raised "
        "beds, a bench made from the old fence and, on Saturday mornings, a dozen children "
        "reading among the beans. Come and pick some mint.",
        21,
        True,
        True,
    ),
    (
        "Harbourside's Friday soup",
        "Every Friday at noon the café on Quay Street gives a bowl of soup to anyone who "
        "asks, paid for by the regulars' spare change in a jar by the till. Last winter it "
        "was 40 bowls a week. Nobody asks your name.",
        9,
        False,
        True,
    ),
    (
        "Our street's first tool library",
        "We put a shed at number 12 and filled it with ladders, drills and a lawnmower "
        "that nobody on the street needs more than twice a year. Borrow with a note in the "
        "book.",
        1,
        False,
        False,
    ),
]


@demo.register("community-stories", order=420)
def seed_stories(ctx: demo.DemoContext) -> None:
    moderator = ctx.staff.get(roles.MODERATOR) or ctx.staff.get(roles.ADMINISTRATOR)
    if len(ctx.residents) < 4 or not ctx.areas or moderator is None:
        ctx.say("Stories: skipped (the city has too few residents, no areas or no moderator).")
        return
    today = timezone.localdate(ctx.now)
    campaign, created = Campaign.objects.get_or_create(
        slug=CAMPAIGN["slug"],
        defaults={
            **{k: v for k, v in CAMPAIGN.items() if k != "slug"},
            "starts_on": today - timedelta(days=CAMPAIGN_STARTED_DAYS_AGO),
            "ends_on": today + timedelta(days=CAMPAIGN_ENDS_IN_DAYS),
        },
    )
    if created:
        # Set up by staff a couple of days before it started.
        made_at = ctx.now - timedelta(days=CAMPAIGN_STARTED_DAYS_AGO + 2)
        Campaign.objects.filter(pk=campaign.pk).update(created_at=made_at)
        demo.history_backdate(campaign, made_at)
    made = 0
    for index, (title, body, days_ago, featured, published) in enumerate(STORIES):
        if Story.objects.filter(title=title).exists():
            continue
        author = ctx.residents[(index * 2 + 1) % len(ctx.residents)]
        submitted = ctx.now - timedelta(days=days_ago, hours=3)
        story = services.story_submit(
            actor=author,
            title=title,
            body=body,
            area=ctx.areas[index % len(ctx.areas)],
            campaign=campaign,
        )
        Story.objects.filter(pk=story.pk).update(created_at=submitted)
        demo.history_backdate(story, submitted)
        participation_demo(
            user=author,
            module="community",
            action="story",
            at=submitted,
            source=STORY_SOURCES[index % len(STORY_SOURCES)],
        )
        made += 1
        if not published:
            continue
        published_at = ctx.between(submitted, submitted + timedelta(hours=20), 0.5)
        services.story_publish(actor=moderator, story=story)
        Story.objects.filter(pk=story.pk).update(
            published_at=published_at, moderated_at=published_at
        )
        LogEntry.objects.get_for_object(story).exclude(action=LogEntry.Action.CREATE).update(
            timestamp=published_at
        )
        demo.notifications_backdate(story, published_at)
        if featured:
            services.story_feature(actor=moderator, story=story)
            featured_at = published_at + timedelta(hours=2)
            Story.objects.filter(pk=story.pk).update(featured_at=featured_at)
            LogEntry.objects.get_for_object(story).filter(timestamp__gt=featured_at).update(
                timestamp=featured_at
            )
        thankers = [r for r in ctx.residents if r.pk != author.pk][: 3 + index]
        for resident in thankers:
            services.story_thank(actor=resident, story=story)
    ctx.say(f"Stories: {made} new in the {CAMPAIGN['hashtag']} campaign, one featured.")
    _seed_hashtag_posts(ctx, campaign, moderator)


def _seed_hashtag_posts(ctx: demo.DemoContext, campaign: Campaign, moderator) -> None:
    """Bring the campaign's posts in through the pull, then approve three as a moderator
    would, each within a day of its coming in."""
    ids = [row[1] for row in HASHTAG_POSTS]
    if HashtagPost.objects.filter(source_id__in=ids).count() == len(ids):
        return  # brought in by an earlier seed (a moderator may have decided since)
    if not campaign.runs_on(timezone.localdate(ctx.now)) or not campaign.bring_in_posts:
        ctx.say(f"Campaign posts: skipped ({CAMPAIGN['hashtag']} is not bringing posts in).")
        return
    fetched: dict[str, list[FetchedPost]] = {}
    for network, source_id, url, handle, name, text, days_ago, _approved in HASHTAG_POSTS:
        fetched.setdefault(network, []).append(
            FetchedPost(
                network=network,
                source_id=source_id,
                source_url=url,
                author_handle=handle,
                author_name=name,
                text=text,
                language="en",
                posted_at=ctx.now - timedelta(days=days_ago, hours=5),
            )
        )
    report = hashtag_services.hashtag_posts_pull(
        today=timezone.localdate(ctx.now),
        sources=[_DemoNetwork(network, posts) for network, posts in fetched.items()],
    )
    approved = 0
    for _network, source_id, *_rest, approve in HASHTAG_POSTS:
        post = HashtagPost.objects.filter(source_id=source_id, campaign=campaign).first()
        if post is None:
            continue
        # The pull runs every ten minutes: the post came in soon after it was posted.
        imported_at = post.posted_at + timedelta(minutes=10)
        HashtagPost.objects.filter(pk=post.pk).update(imported_at=imported_at)
        if not approve or post.state != HashtagPostState.PENDING:
            continue
        hashtag_services.hashtag_post_approve(actor=moderator, post=post)
        moderated_at = ctx.between(imported_at, imported_at + timedelta(hours=20), 0.3)
        HashtagPost.objects.filter(pk=post.pk).update(moderated_at=moderated_at)
        LogEntry.objects.get_for_object(post).update(timestamp=moderated_at)
        approved += 1
    waiting = HashtagPost.objects.filter(campaign=campaign, state=HashtagPostState.PENDING).count()
    ctx.say(
        f"Campaign posts: {report.imported} brought in from Mastodon and Bluesky, {approved} "
        f"approved on the campaign page, {waiting} in the moderation queue."
    )
