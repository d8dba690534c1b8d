"""The participation core's models, by subdomain; import them from here.

- ``moderation``: the ``Moderatable`` mixin (``.visible()``), flags, the moderation queue's
  cases and the record of moderators' decisions;
- ``comments``: comments on any registered item, one level of replies;
- ``follows``: who follows which item.
"""

from civicportal.core.models.comments import Comment
from civicportal.core.models.follows import Follow
from civicportal.core.models.moderation import (
    Flag,
    Moderatable,
    ModeratableQuerySet,
    ModerationCase,
    ModerationDecision,
    ModerationState,
)

__all__ = [
    "Comment",
    "Flag",
    "Follow",
    "Moderatable",
    "ModeratableQuerySet",
    "ModerationCase",
    "ModerationDecision",
    "ModerationState",
]
