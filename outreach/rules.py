"""Who may do what with the council's social posts (django-rules).

Social media editors compose posts and approve posts someone else wrote: every post needs a
second person (``outreach.services.posts.post_approve`` refuses self-approval whatever the
path, and the database refuses it too). A post about an alert also passes the alert's own
two-person rule: its approver must hold ``alerts.approve_alert`` as well (the source's
``approval_permission``). Administrators see the posts. Every rule has a role test in
tests/outreach/test_posts_rules.py.
"""

from __future__ import annotations

import rules

from civicportal.accounts.rules import has_role, is_administrator
from civicportal.core import shareables
from outreach.roles import SOCIAL_EDITOR

is_social_editor = has_role(SOCIAL_EDITOR)


@rules.predicate
def is_not_author(user, post) -> bool:
    return post is None or post.author_id is None or post.author_id != user.pk


@rules.predicate
def is_author(user, post) -> bool:
    return post is not None and post.author_id == user.pk


@rules.predicate
def is_draft(user, post) -> bool:
    return post is not None and post.state == "draft"


@rules.predicate
def holds_source_approval(user, post) -> bool:
    """The approver holds what the post's source asks of its approvers (if anything)."""
    if post is None:
        return True
    permission = shareables.approval_permission(post.source_kind)
    return not permission or user.has_perm(permission)


rules.add_perm("outreach.view_post", is_social_editor | is_administrator)
rules.add_perm("outreach.add_post", is_social_editor)
rules.add_perm("outreach.change_post", is_social_editor & is_author & is_draft)
rules.add_perm("outreach.submit_post", is_social_editor & is_author)
rules.add_perm("outreach.approve_post", is_social_editor & is_not_author & holds_source_approval)
rules.add_perm("outreach.reject_post", is_social_editor & is_not_author)
rules.add_perm("outreach.cancel_post", is_social_editor)

# The admin: a read-only list for editors and administrators.
rules.add_perm("outreach", is_social_editor | is_administrator)
