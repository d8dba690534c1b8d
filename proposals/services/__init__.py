"""Writes of idea proposals, by subdomain; import them from here.

- ``ideas``: posting an idea;
- ``votes``: supporting, opposing, withdrawing (counters under a row lock);
- ``points``: points for and against, and rating them;
- ``council``: statuses and official responses;
- ``forwarding``: forwarding the most supported ideas, archiving the inactive;
- ``merging``: merging a duplicate into another idea;
- ``personal_data``: a resident's part: export and erase.
"""

from proposals.services.council import idea_status_set
from proposals.services.forwarding import ForwardResult, ideas_archive_inactive, ideas_forward
from proposals.services.ideas import idea_create
from proposals.services.merging import idea_merge
from proposals.services.personal_data import (
    proposals_personal_data_erase,
    proposals_personal_data_export,
)
from proposals.services.points import point_add, point_rate
from proposals.services.votes import idea_vote, idea_vote_withdraw

__all__ = [
    "ForwardResult",
    "idea_create",
    "idea_merge",
    "idea_status_set",
    "idea_vote",
    "idea_vote_withdraw",
    "ideas_archive_inactive",
    "ideas_forward",
    "point_add",
    "point_rate",
    "proposals_personal_data_erase",
    "proposals_personal_data_export",
]
