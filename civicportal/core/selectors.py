"""Reads of the participation core: threads, followers, the moderation queue, personal data.

Each returns a QuerySet (or a list built in a constant number of queries) with its
related rows fetched, so a page's query count does not grow with its length.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from civicportal.accounts.models import User
from civicportal.core import targets
from civicportal.core.models import (
    Comment,
    Flag,
    Follow,
    ModerationCase,
    ModerationDecision,
    ModerationState,
)

# --- Comments ----------------------------------------------------------------------------


def _shown_replies() -> models.QuerySet[Comment]:
    return Comment.objects.visible().filter(deleted_at__isnull=True)


def comment_list(*, target: models.Model) -> models.QuerySet[Comment]:
    """Every comment shown on ``target``, top-level and replies, oldest first.

    Hidden comments are left out. A deleted or hidden top-level comment stays (as a
    placeholder, without its text) only while it has shown replies, so the thread keeps
    its shape; deleted replies are left out.
    """
    content_type = ContentType.objects.get_for_model(target)
    has_shown_replies = Exists(_shown_replies().filter(parent=OuterRef("pk")))
    return (
        Comment.objects.filter(content_type=content_type, object_id=target.pk)
        .filter(
            Q(moderation_state=ModerationState.VISIBLE, deleted_at__isnull=True)
            | Q(parent__isnull=True) & has_shown_replies
        )
        .select_related("author")
        .order_by("created_at", "id")
    )


def comment_thread(*, target: models.Model) -> list[Comment]:
    """The top-level comments of ``target`` with their shown replies (``thread_replies``).

    Two queries whatever the thread's length.
    """
    replies = _shown_replies().select_related("author").order_by("created_at", "id")
    return list(
        comment_list(target=target)
        .filter(parent__isnull=True)
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="thread_replies"))
    )


def comment_count(*, target: models.Model) -> int:
    content_type = ContentType.objects.get_for_model(target)
    return (
        Comment.objects.visible()
        .filter(content_type=content_type, object_id=target.pk, deleted_at__isnull=True)
        .count()
    )


def comment_visible(viewer, comment: Comment | None) -> bool:
    """Whether ``viewer`` may see ``comment``: the reply, edit, delete and report pages ask.

    The item it is on must be one ``viewer`` may see (``targets.target_visible``: not
    hidden, and its page's own rules, such as an unpublished consultation's). A comment
    hidden by moderation (pending review too) or deleted is seen by moderators only.
    """
    if comment is None:
        return False
    shown = not comment.is_deleted and comment.is_visible
    if not shown and not (viewer is not None and viewer.has_perm("core.moderate_content")):
        return False
    return targets.target_visible(viewer, comment.target)


def comment_get(*, viewer, pk: int, shown_only: bool = True) -> Comment:
    """A comment ``viewer`` may see (``comment_visible``), with its author.

    Raises ``Comment.DoesNotExist`` for a missing one and for one ``viewer`` may not see
    alike, so an id says nothing about what is behind it: callers answer 404.
    ``shown_only=False`` also returns a hidden or deleted comment on an item ``viewer`` may
    see, for an answer about the thread (a reply refused because the comment left it):
    the caller must not show that comment's text unless ``comment_visible`` says so.
    """
    comment = (
        Comment.objects.select_related("author", "parent", "content_type").filter(pk=pk).first()
    )
    if shown_only:
        visible = comment_visible(viewer, comment)
    else:
        visible = comment is not None and targets.target_visible(viewer, comment.target)
    if not visible:
        raise Comment.DoesNotExist(f"No comment {pk} for this viewer.")
    return comment


# --- Follows -----------------------------------------------------------------------------


def followers_of(item: models.Model) -> models.QuerySet[User]:
    """The active residents who follow ``item``: the audience of its updates.

    A QuerySet, so ``notifications.topic_event_create`` reads it in batches.
    """
    content_type = ContentType.objects.get_for_model(item)
    return User.objects.filter(
        is_active=True,
        pk__in=Follow.objects.filter(content_type=content_type, object_id=item.pk).values(
            "user_id"
        ),
    ).order_by("pk")


def is_following(*, user, item: models.Model) -> bool:
    if not (user and user.is_authenticated):
        return False
    content_type = ContentType.objects.get_for_model(item)
    return Follow.objects.filter(user=user, content_type=content_type, object_id=item.pk).exists()


def follower_count(*, item: models.Model) -> int:
    content_type = ContentType.objects.get_for_model(item)
    return Follow.objects.filter(content_type=content_type, object_id=item.pk).count()


# --- Moderation --------------------------------------------------------------------------

HIDING_ACTIONS = (
    ModerationDecision.Action.HIDE,
    ModerationDecision.Action.WARN,
    ModerationDecision.Action.BLOCK,
)


def _decision_count(*actions: str) -> Coalesce:
    counts = (
        ModerationDecision.objects.filter(author=OuterRef("author"), action__in=actions)
        .order_by()
        .values("author")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=models.IntegerField()), 0)


def moderation_cases() -> models.QuerySet[ModerationCase]:
    """Every case, with counts for the queue's columns, oldest report first.

    ``open_reports``: reports not yet decided; ``author_hidden_count``,
    ``author_warning_count`` and ``author_block_count``: the author's past hidden items,
    warnings and blocks (subqueries, so the list's query count stays constant).
    """
    return (
        ModerationCase.objects.select_related("content_type", "author")
        .annotate(
            open_reports=Count("flags", filter=Q(flags__resolved_at__isnull=True)),
            author_hidden_count=_decision_count(*HIDING_ACTIONS),
            author_warning_count=_decision_count(ModerationDecision.Action.WARN),
            author_block_count=_decision_count(ModerationDecision.Action.BLOCK),
        )
        .order_by("opened_at", "id")
    )


def moderation_queue() -> models.QuerySet[ModerationCase]:
    """Cases waiting for a decision, oldest report first."""
    return moderation_cases().filter(status=ModerationCase.Status.OPEN)


def author_history(*, author: User | None) -> dict[str, int]:
    """What moderators decided about ``author`` before: counts by kind, and their comments."""
    if author is None:
        return {"hidden": 0, "warnings": 0, "blocks": 0, "comments": 0}
    counts = ModerationDecision.objects.filter(author=author).aggregate(
        hidden=Count("pk", filter=Q(action__in=HIDING_ACTIONS)),
        warnings=Count("pk", filter=Q(action=ModerationDecision.Action.WARN)),
        blocks=Count("pk", filter=Q(action=ModerationDecision.Action.BLOCK)),
    )
    counts["comments"] = Comment.objects.filter(author=author).count()
    return counts


# --- Personal data -----------------------------------------------------------------------


def _target_ref(content_type: ContentType, object_id: int) -> dict[str, Any]:
    return {"type": f"{content_type.app_label}.{content_type.model}", "id": object_id}


def core_personal_data_export(user: User) -> dict[str, Any]:
    """The resident's comments, reports, follows, and moderators' decisions about them."""
    comments = Comment.objects.filter(author=user).select_related("content_type").order_by("pk")
    flags = Flag.objects.filter(reporter=user).select_related("case__content_type").order_by("pk")
    follows = Follow.objects.filter(user=user).select_related("content_type").order_by("pk")
    decisions = ModerationDecision.objects.filter(author=user).order_by("pk")
    return {
        "comments": [
            {
                "id": c.pk,
                "on": _target_ref(c.content_type, c.object_id),
                "reply_to": c.parent_id,
                "text": c.body,
                "posted_at": c.created_at,
                "edited_at": c.edited_at,
                "deleted_at": c.deleted_at,
                "moderation_state": c.moderation_state,
            }
            for c in comments
        ],
        "reports": [
            {
                "on": _target_ref(f.case.content_type, f.case.object_id),
                "reason": f.reason,
                "details": f.details,
                "reported_at": f.created_at,
            }
            for f in flags
        ],
        "follows": [
            {"on": _target_ref(f.content_type, f.object_id), "followed_at": f.created_at}
            for f in follows
        ],
        "moderation_decisions": [
            {"action": d.action, "reason": d.reason, "decided_at": d.created_at} for d in decisions
        ],
    }
