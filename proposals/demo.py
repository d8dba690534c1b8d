"""Demo data: residents' ideas across areas and statuses, with votes, points and comments.

Everything goes through the services (counters, notifications, audit), keyed on the idea's
title so a second run finds what the first one made and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils.text import slugify

from civicportal.accounts import roles
from civicportal.core import demo
from civicportal.core import services as core_services
from civicportal.core.models import Comment, Follow
from proposals import services
from proposals.models import (
    OPEN_STATUSES,
    Category,
    Idea,
    IdeaStatus,
    IdeaVote,
    Point,
    PointRating,
)

CATEGORIES = [
    ("Transport", "Buses, cycling, walking and parking."),
    ("Parks and nature", "Green spaces, trees, play areas and the river."),
    ("Culture and leisure", "Libraries, sport, events and meeting places."),
    ("Safety", "Street lighting, crossings and feeling safe."),
    ("Housing and planning", "Homes, buildings and how the city grows."),
]

# (title, category, status, description, response, points for, points against)
IDEAS = [
    (
        "A bus stop outside the health centre",
        "Transport",
        IdeaStatus.ACCEPTED,
        "Patients walk 600 m from the nearest stop, uphill. A stop on the **number 4** route "
        "right outside the health centre would help older residents most.",
        "The transport committee agreed. The stop opens with the spring timetable.",
        ["Older patients would no longer need taxis."],
        ["The bus would be slower for everyone else."],
    ),
    (
        "Protected cycle lanes on Harbour Street",
        "Transport",
        IdeaStatus.UNDER_REVIEW,
        "Cars park in the painted lane every morning. Kerbs between the lane and the road "
        "would keep cyclists safe on the way to school.",
        "",
        ["Parents would let their children cycle to school."],
        ["Fewer parking spaces for the shops."],
    ),
    (
        "Dog park by the old mill",
        "Parks and nature",
        IdeaStatus.SUBMITTED,
        "A fenced field where dogs can run off the lead, with a water tap and bins.",
        "",
        ["Dogs off the lead would leave the playgrounds alone."],
        ["The meadow by the mill is home to ground-nesting birds."],
    ),
    (
        "Open the library on Sundays",
        "Culture and leisure",
        IdeaStatus.IN_PROGRESS,
        "Families and people who work weekdays cannot use the library. Open it from noon "
        "to five on Sundays.",
        "A six-month trial of Sunday opening starts next month; we will count visitors.",
        ["A warm, free place to spend a Sunday afternoon."],
        [],
    ),
    (
        "Brighter lights in the underpass",
        "Safety",
        IdeaStatus.IMPLEMENTED,
        "The underpass under the railway is dark at night and people avoid it.",
        "New LED lights were installed in October and are on from dusk to dawn.",
        ["People feel safer walking home."],
        [],
    ),
    (
        "A skate park on the car park roof",
        "Culture and leisure",
        IdeaStatus.NOT_ACCEPTED,
        "The roof of the multi-storey car park is empty at weekends: put ramps there.",
        "The roof cannot carry the extra weight safely, so we cannot do this. We are "
        "looking for another site with the youth council.",
        ["Young people need somewhere to go."],
        ["Noise for the flats next door."],
    ),
    (
        "Community compost bins in every district",
        "Parks and nature",
        IdeaStatus.SUBMITTED,
        "Shared compost bins where residents can leave food waste, emptied by the council.",
        "",
        ["Less waste in the bins and free compost for the gardens."],
        ["They could smell in summer."],
    ),
    (
        "Wider pavements on Market Lane",
        "Housing and planning",
        IdeaStatus.SUBMITTED,
        "Two prams cannot pass each other on Market Lane. Widen the pavement on the sunny side.",
        "",
        [],
        ["The lane would have to become one-way."],
    ),
]


@demo.register("proposals", order=200)
def seed_ideas(ctx: demo.DemoContext) -> None:
    categories = {}
    for order, (name, description) in enumerate(CATEGORIES):
        categories[name], _created = Category.objects.get_or_create(
            slug=slugify(name),
            defaults={"name": name, "description": description, "order": order * 10},
        )
    residents = ctx.residents
    moderator = ctx.staff.get(roles.MODERATOR) or ctx.staff.get(roles.ADMINISTRATOR)
    if len(residents) < 4 or moderator is None:
        ctx.say("Ideas: skipped (the city has too few residents or no moderator).")
        return
    made = 0
    for index, idea_row in enumerate(IDEAS):
        if Idea.objects.filter(title=idea_row[0]).exists():
            continue
        _seed_idea(ctx, index, idea_row, categories, moderator)
        made += 1
    ctx.say(f"Ideas: {made} new, with votes, points for and against, comments and answers.")


def _seed_idea(ctx: demo.DemoContext, index: int, idea_row, categories, moderator) -> None:
    """One idea and its life so far, in order: posted, supported and argued about, then
    (unless still new) forwarded to the council and answered."""
    title, category, status, body, response, points_for, points_against = idea_row
    rng = ctx.random
    residents = ctx.residents
    author = residents[index % len(residents)]
    area = ctx.areas[index % len(ctx.areas)] if ctx.areas and index % 3 else None
    idea = services.idea_create(
        author=author, title=title, body=body, category=categories[category], area=area
    )
    # Posting dates spread over the last two months, so "newest" and "trending" differ.
    created = ctx.now - timedelta(days=3 + index * 9, hours=rng.randint(0, 20))
    Idea.objects.filter(pk=idea.pk).update(created_at=created, last_activity_at=created)
    Follow.objects.filter(
        user=author, content_type=ContentType.objects.get_for_model(Idea), object_id=idea.pk
    ).update(created_at=created)
    demo.history_backdate(idea, created)
    idea.refresh_from_db()
    # The council takes the idea up a third of the way from posting to today and answers
    # it two thirds of the way. Residents vote and argue until it is decided for good
    # (an implemented or refused idea takes no more votes), and comment at any time.
    forwarded = ctx.between(created, ctx.now, 1 / 3) if status != IdeaStatus.SUBMITTED else None
    answered = (
        ctx.between(created, ctx.now, 2 / 3)
        if status not in (IdeaStatus.SUBMITTED, IdeaStatus.UNDER_REVIEW)
        else None
    )
    debate_ends = answered if answered and status not in OPEN_STATUSES else ctx.now
    activity = [created]

    voters = [r for r in residents if r.pk != author.pk]
    rng.shuffle(voters)
    for voter in voters[: rng.randint(3, len(voters))]:
        services.idea_vote(
            user=voter, idea=idea, value="support" if rng.random() < 0.75 else "oppose"
        )
        voted = ctx.between(created, debate_ends)
        IdeaVote.objects.filter(idea=idea, user=voter).update(created_at=voted, updated_at=voted)
        activity.append(voted)
    for side, texts in ((Point.Side.FOR, points_for), (Point.Side.AGAINST, points_against)):
        for text in texts:
            point = services.point_add(author=rng.choice(voters), idea=idea, side=side, text=text)
            posted = ctx.between(created, debate_ends)
            Point.objects.filter(pk=point.pk).update(created_at=posted)
            activity.append(posted)
            for rater in voters[:3]:
                if rater.pk != point.author_id:
                    services.point_rate(
                        user=rater,
                        point=point,
                        value="helpful" if rng.random() < 0.8 else "unhelpful",
                    )
                    PointRating.objects.filter(point=point, user=rater).update(
                        created_at=ctx.between(posted, debate_ends)
                    )
    comment = core_services.comment_create(
        author=voters[0], target=idea, body="I would use this every week.", parent=None
    )
    commented = ctx.between(created, ctx.now)
    Comment.objects.filter(pk=comment.pk).update(created_at=commented)
    demo.history_backdate(comment, commented)
    demo.notifications_backdate(comment, commented)
    activity.append(commented)
    Idea.objects.filter(pk=idea.pk).update(last_activity_at=max(activity))
    if forwarded is None:
        return
    services.idea_status_set(
        actor=moderator, idea=idea, status=IdeaStatus.UNDER_REVIEW, response="", notify=False
    )
    Idea.objects.filter(pk=idea.pk).update(forwarded_at=forwarded)
    if answered is not None:
        services.idea_status_set(
            actor=moderator, idea=idea, status=status, response=response, notify=False
        )
        Idea.objects.filter(pk=idea.pk, responded_at__isnull=False).update(responded_at=answered)
    _status_history_backdate(idea, {IdeaStatus.UNDER_REVIEW: forwarded, status: answered})


def _status_history_backdate(idea: Idea, moments: dict[str, datetime | None]) -> None:
    """Date the audit entries of the idea's status changes when the seeder says they
    happened (staff read them in the idea's history)."""
    entries = LogEntry.objects.get_for_object(idea).filter(action=LogEntry.Action.UPDATE)
    for entry in entries:
        new_status = (entry.changes_dict or {}).get("status", [None, None])[-1]
        moment = moments.get(new_status)
        if moment is not None:
            LogEntry.objects.filter(pk=entry.pk).update(timestamp=moment)
