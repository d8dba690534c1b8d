"""Demo data for stories: the #WeAreRiverside campaign, stories residents shared in it over
the last weeks (published by the moderator, one featured on the home page, one thanked by
neighbours) and one still waiting in the moderation queue. Runs once: a second seed_demo
finds the campaign and the stories by their titles and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from auditlog.models import LogEntry

from civicportal.accounts import roles
from civicportal.core import demo
from community.models.stories import Campaign, Story
from community.services import stories as services

CAMPAIGN = {
    "slug": "we-are-riverside",
    "name": "We are Riverside",
    "hashtag": "#WeAreRiverside",
    "description": "What makes your street, your park or your neighbours worth being proud "
    "of? Share it with the city.",
}

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
    campaign, _created = Campaign.objects.get_or_create(
        slug=CAMPAIGN["slug"],
        defaults={k: v for k, v in CAMPAIGN.items() if k != "slug"},
    )
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
