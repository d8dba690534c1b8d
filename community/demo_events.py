"""Demo data: a river clean-up on Saturday with every place taken and people waiting, a
community garden session next week, and last month's meeting with its outcome recorded.
Everything goes through the services; runs once (a second seed_demo finds the events by
their titles and changes nothing)."""

from __future__ import annotations

from datetime import timedelta

from civicportal.audience.demo import participation_demo
from civicportal.core import demo
from community.models import Event, EventKind, EventSignup
from community.roles_events import EVENT_ORGANISER
from community.services import events as services

demo.register_staff(EVENT_ORGANISER, local_part="events", display_name="Sigríður Jónsdóttir")

# The links residents came through to sign up (AUDIENCE_SOURCES), in turn.
SIGNUP_SOURCES = ["facebook", "", "poster", "mastodon", "", "facebook", "bluesky"]

CLEAN_UP = "Riverside clean-up"
GARDEN = "Planting day at the Mill Lane community garden"


def _backdate(ctx: demo.DemoContext, event: Event, *, days: int) -> None:
    """Say the event was announced ``days`` ago and residents signed up since, in the order
    they did (the waiting list keeps that order), each after joining the portal, and count
    each sign-up as the resident's participation that day."""
    announced = ctx.now - timedelta(days=days)
    Event.objects.filter(pk=event.pk).update(
        created_at=announced, published_at=announced, updated_at=announced
    )
    demo.history_backdate(event, announced)
    signups = list(event.signups.select_related("user").order_by("created_at", "id"))
    for index, signup in enumerate(signups):
        earliest = max(announced, signup.user.date_joined)
        share = (index + 1) / (len(signups) + 1)
        signed_up = max(ctx.between(announced, ctx.now, share), earliest)
        EventSignup.objects.filter(pk=signup.pk).update(created_at=signed_up)
        participation_demo(
            user=signup.user,
            module="community",
            action="event-signup",
            at=signed_up,
            source=SIGNUP_SOURCES[index % len(SIGNUP_SOURCES)],
        )


@demo.register("community-events", order=500)
def seed_events(ctx: demo.DemoContext) -> None:
    if Event.objects.filter(title__in=[CLEAN_UP, GARDEN]).exists():
        ctx.say("Community events: already seeded.")
        return
    organiser = ctx.staff[EVENT_ORGANISER]
    area = ctx.areas[0] if ctx.areas else None
    saturday = (ctx.now + timedelta(days=(5 - ctx.now.weekday()) % 7 or 7)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    clean_up = services.event_create(
        actor=organiser,
        kind=EventKind.CLEAN_UP,
        title=CLEAN_UP,
        description=(
            "Join neighbours to clear litter from the riverbank between the **old mill** and "
            "the footbridge. Gloves, pickers and bags are provided; children are welcome with "
            "an adult.\n\nWe finish with coffee at the boat club."
        ),
        area=area,
        place="Old mill car park, Mill Lane",
        latitude="64.146600",
        longitude="-21.942600",
        starts_at=saturday,
        ends_at=saturday + timedelta(hours=3),
        capacity=12,
        what_to_bring="Sturdy shoes, a raincoat and a water bottle.",
    )
    # Every place taken and five people waiting: cancellations move them up.
    for resident in ctx.residents[:17]:
        services.signup_create(actor=resident, event=clean_up)
    _backdate(ctx, clean_up, days=12)
    garden_day = saturday + timedelta(days=7)
    garden = services.event_create(
        actor=organiser,
        kind=EventKind.GARDEN,
        title=GARDEN,
        description="Spring planting of potatoes, kale and herbs. No experience needed.",
        area=ctx.areas[1] if len(ctx.areas) > 1 else area,
        place="Mill Lane community garden",
        starts_at=garden_day.replace(hour=13),
        ends_at=garden_day.replace(hour=16),
        capacity=20,
        what_to_bring="Gardening gloves if you have them.",
    )
    for resident in ctx.residents[17:23]:
        services.signup_create(actor=resident, event=garden)
    _backdate(ctx, garden, days=5)
    ctx.say(
        f"Community events: “{CLEAN_UP}” is full with a waiting list of "
        f"{max(len(ctx.residents[:17]) - 12, 0)}; “{GARDEN}” has places left."
    )
