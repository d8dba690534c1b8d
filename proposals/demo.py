"""Demo data: residents' ideas across areas and statuses, with votes, points and comments.

Everything goes through the services (counters, notifications, audit), keyed on the idea's
title so a second run finds what the first one made and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.text import slugify

from civicportal.accounts import roles
from civicportal.core import demo
from civicportal.core import services as core_services
from proposals import services
from proposals.models import Category, Idea, IdeaStatus, Point

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
    rng = ctx.random
    made = 0
    for index, (title, category, status, body, response, points_for, points_against) in enumerate(
        IDEAS
    ):
        if Idea.objects.filter(title=title).exists():
            continue
        author = residents[index % len(residents)]
        area = ctx.areas[index % len(ctx.areas)] if ctx.areas and index % 3 else None
        idea = services.idea_create(
            author=author, title=title, body=body, category=categories[category], area=area
        )
        # Spread posting dates over the last months, so "newest" and "trending" differ.
        Idea.objects.filter(pk=idea.pk).update(
            created_at=ctx.now - timedelta(days=3 + index * 9, hours=rng.randint(0, 20))
        )
        idea.refresh_from_db()
        voters = [r for r in residents if r.pk != author.pk]
        rng.shuffle(voters)
        for voter in voters[: rng.randint(3, len(voters))]:
            services.idea_vote(
                user=voter, idea=idea, value="support" if rng.random() < 0.75 else "oppose"
            )
        for side, texts in ((Point.Side.FOR, points_for), (Point.Side.AGAINST, points_against)):
            for text in texts:
                point = services.point_add(
                    author=rng.choice(voters), idea=idea, side=side, text=text
                )
                for rater in voters[:3]:
                    if rater.pk != point.author_id:
                        services.point_rate(
                            user=rater,
                            point=point,
                            value="helpful" if rng.random() < 0.8 else "unhelpful",
                        )
        core_services.comment_create(
            author=voters[0], target=idea, body="I would use this every week.", parent=None
        )
        if status != IdeaStatus.SUBMITTED:
            services.idea_status_set(
                actor=moderator,
                idea=idea,
                status=IdeaStatus.UNDER_REVIEW,
                response="",
                notify=False,
            )
            Idea.objects.filter(pk=idea.pk).update(
                forwarded_at=ctx.now - timedelta(days=20 + index)
            )
            if status != IdeaStatus.UNDER_REVIEW:
                services.idea_status_set(
                    actor=moderator, idea=idea, status=status, response=response, notify=False
                )
        made += 1
    ctx.say(f"Ideas: {made} new, with votes, points for and against, comments and answers.")
