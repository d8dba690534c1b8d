"""The participation core's models, by subdomain; import them from here.

- ``moderation``: the ``Moderatable`` mixin (``.visible()``), flags, the moderation queue's
  cases and the record of moderators' decisions;
- ``comments``: comments on any registered item, one level of replies;
- ``follows``: who follows which item;
- ``tokens``: personal API tokens (stored as digests, expiring);
- ``jobs``: background jobs (long staff work run by a worker) and their private files.
"""

from civicportal.core.models.comments import Comment
from civicportal.core.models.follows import Follow
from civicportal.core.models.jobs import Job, PrivateStorage, private_storage
from civicportal.core.models.moderation import (
    Flag,
    Moderatable,
    ModeratableQuerySet,
    ModerationCase,
    ModerationDecision,
    ModerationState,
)
from civicportal.core.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "Comment",
    "Flag",
    "Follow",
    "Job",
    "Moderatable",
    "ModeratableQuerySet",
    "ModerationCase",
    "ModerationDecision",
    "ModerationState",
    "PrivateStorage",
    "private_storage",
]
