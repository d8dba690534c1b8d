"""Community life's models, one module per part: ``events`` (events and community
initiatives, their sign-ups, reminders and outcome photos) and ``stories`` (residents'
stories, the staff's campaigns, thanks) and ``hashtag_posts`` (public posts of a campaign's
hashtag brought in from Mastodon and Bluesky)."""

from community.models.events import (
    Event,
    EventAwaitingModeration,
    EventKind,
    EventPhoto,
    EventReminder,
    EventSignup,
)
from community.models.hashtag_posts import HashtagNetwork, HashtagPost, HashtagPostState
from community.models.stories import Campaign, Story, StoryState, StoryThanks

__all__ = [
    "Campaign",
    "Event",
    "EventAwaitingModeration",
    "EventKind",
    "EventPhoto",
    "EventReminder",
    "EventSignup",
    "HashtagNetwork",
    "HashtagPost",
    "HashtagPostState",
    "Story",
    "StoryState",
    "StoryThanks",
]
