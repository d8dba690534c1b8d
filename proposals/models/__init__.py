"""Ideas residents propose, their votes, their points for and against, and the council's answers.

Counters on ``Idea`` (supporters, opponents, points) and on ``Point`` (helpful/unhelpful)
are denormalised so that lists sort on indexed columns; only ``proposals.services``
changes them, by updates relative to the row's own values (``F()``; the votes' one
handwritten ``UPDATE``), never ``save()``.

``shuffle_key`` is a random number drawn when the idea is posted: the list's random sort
is the order of these keys, started at a point drawn from the visitor's seed, so it pages
on an index like the other sorts.

``trending_score`` is time-independent: ``log10(max(support, 1)) + age_seconds / DECAY``
measured from a fixed epoch, so "support decaying with age" sorts on a plain index (an idea
needs ten times the support of one posted ``TRENDING_DECAY_SECONDS`` later to rank level).

By subdomain; import them from here:

- ``ideas``: ``Category``, ``IdeaStatus``, ``Idea``, ``IdeaVote`` and the sort helpers;
- ``points``: ``Point`` and ``PointRating``;
- ``forwarding``: ``ForwardingRound``.
"""

# The import order is the models' registration order (Category, Idea, IdeaVote, Point,
# PointRating, ForwardingRound), as when they shared one module.
from proposals.models.ideas import (
    BODY_MAX_LENGTH,
    OPEN_STATUSES,
    RESPONSE_MAX_LENGTH,
    SHUFFLE_KEY_SPAN,
    SUMMARY_LENGTH,
    TITLE_MAX_LENGTH,
    TRENDING_DECAY_SECONDS,
    TRENDING_EPOCH,
    Category,
    Idea,
    IdeaStatus,
    IdeaVote,
    shuffle_key_new,
    summary_of,
    trending_score,
)
from proposals.models.points import POINT_MAX_LENGTH, Point, PointRating

# isort: split
from proposals.models.forwarding import ForwardingRound

__all__ = [
    "BODY_MAX_LENGTH",
    "OPEN_STATUSES",
    "POINT_MAX_LENGTH",
    "RESPONSE_MAX_LENGTH",
    "SHUFFLE_KEY_SPAN",
    "SUMMARY_LENGTH",
    "TITLE_MAX_LENGTH",
    "TRENDING_DECAY_SECONDS",
    "TRENDING_EPOCH",
    "Category",
    "ForwardingRound",
    "Idea",
    "IdeaStatus",
    "IdeaVote",
    "Point",
    "PointRating",
    "shuffle_key_new",
    "summary_of",
    "trending_score",
]
