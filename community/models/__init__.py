"""Community life's models, one module per part."""

from community.models.stories import Campaign, Story, StoryState, StoryThanks

__all__ = ["Campaign", "Story", "StoryState", "StoryThanks"]
