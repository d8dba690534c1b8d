"""Community life's models, one module per part: ``events`` (events and community
initiatives, their sign-ups, reminders and outcome photos) and ``stories`` (residents'
stories, the staff's campaigns, thanks)."""

from community.models.events import (
    Event,
    EventAwaitingModeration,
    EventKind,
    EventPhoto,
    EventReminder,
    EventSignup,
)
from community.models.stories import Campaign, Story, StoryState, StoryThanks

__all__ = [
    "Campaign",
    "Event",
    "EventAwaitingModeration",
    "EventKind",
    "EventPhoto",
    "EventReminder",
    "EventSignup",
    "Story",
    "StoryState",
    "StoryThanks",
]
