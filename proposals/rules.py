"""Who may do what with ideas (django-rules, ``proposals.<verb>_<model>``).

Residents act once signed in (posting may also need a verified residency:
``PROPOSALS_REQUIRE_VERIFIED``); they vote and add points while the idea is open, and
rate others' points. Moderators and administrators set statuses, answer and merge, and
manage categories in the admin. Every rule has a role-by-state test in
tests/proposals/test_rules.py.
"""

from __future__ import annotations

import rules
from django.conf import settings

from civicportal.accounts.rules import is_administrator, is_moderator


@rules.predicate
def is_active_resident(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def may_post_ideas(user) -> bool:
    if not settings.PROPOSALS_REQUIRE_VERIFIED:
        return True
    return bool(getattr(user, "is_verified", False))


@rules.predicate
def idea_is_open(user, idea) -> bool:
    return idea is not None and idea.is_open


@rules.predicate
def is_point_author(user, point) -> bool:
    return point is not None and point.author_id is not None and point.author_id == user.pk


@rules.predicate
def point_idea_is_visible(user, point) -> bool:
    return point is not None and point.is_visible and point.idea.is_visible


is_council_staff = is_moderator | is_administrator

rules.add_perm("proposals.add_idea", is_active_resident & may_post_ideas)
rules.add_perm("proposals.vote_idea", is_active_resident & idea_is_open)
rules.add_perm("proposals.add_point", is_active_resident & idea_is_open)
rules.add_perm(
    "proposals.rate_point", is_active_resident & point_idea_is_visible & ~is_point_author
)
rules.add_perm("proposals.set_status_idea", is_council_staff)
rules.add_perm("proposals.merge_idea", is_council_staff)

# --- The admin ---------------------------------------------------------------------------

# Module permission: whether "Idea proposals" shows on the admin index.
rules.add_perm("proposals", is_council_staff)
for _verb in ("view", "add", "change", "delete"):
    rules.add_perm(f"proposals.{_verb}_category", is_council_staff)
rules.add_perm("proposals.view_idea", is_council_staff)
rules.add_perm("proposals.change_idea", is_council_staff)
rules.add_perm("proposals.delete_idea", is_administrator)
rules.add_perm("proposals.view_point", is_council_staff)
rules.add_perm("proposals.view_forwardinground", is_council_staff)
