"""Who may comment, report, follow and moderate (django-rules, ``core.<verb>_<model>``).

Residents act on their own behalf once signed in; moderators (and administrators) decide
reported content in the admin's moderation queue. The edit window of a comment is a rule
of the service, not a permission, so the author gets a message saying why.
"""

from __future__ import annotations

import rules

from civicportal.accounts.rules import (
    is_active_resident,
    is_administrator,
    is_moderator,
)


@rules.predicate
def is_comment_author(user, comment) -> bool:
    return comment is not None and comment.author_id is not None and comment.author_id == user.pk


@rules.predicate
def is_live_comment(user, comment) -> bool:
    return comment is not None and not comment.is_deleted and comment.is_visible


can_moderate = is_moderator | is_administrator

rules.add_perm("core.add_comment", is_active_resident)
rules.add_perm("core.change_comment", is_active_resident & is_comment_author & is_live_comment)
rules.add_perm(
    "core.delete_comment",
    is_active_resident & is_live_comment & (is_comment_author | can_moderate),
)
rules.add_perm("core.add_flag", is_active_resident)
rules.add_perm("core.add_follow", is_active_resident)
rules.add_perm("core.moderate_content", can_moderate)

# --- The admin ---------------------------------------------------------------------------

# Module permission: whether "Participation core" shows on the admin index.
rules.add_perm("core", can_moderate)
for _model in ("moderationcase", "comment", "flag", "moderationdecision"):
    rules.add_perm(f"core.view_{_model}", can_moderate)
# Decisions go through the queue's actions; the change permission opens the case's page.
rules.add_perm("core.change_moderationcase", can_moderate)
