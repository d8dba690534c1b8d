"""Supporting, opposing and withdrawing: one vote per resident and idea, counters exact.

Every write locks the idea's row first (``select_for_update``), so two requests of the same
resident (a double-click, fifty parallel requests) run one after the other: the second
finds the first one's vote and changes nothing. The unique constraint on (idea, user) is
the database's own guard behind that lock. Counters move with ``F()`` updates in the same
transaction as the vote row, so a vote and its count commit together or not at all.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from proposals.models import Idea, IdeaVote, trending_score

_COUNTER = {IdeaVote.Value.SUPPORT: "support_count", IdeaVote.Value.OPPOSE: "oppose_count"}


def _lock_open_idea(*, user: User, idea_id: int) -> Idea:
    idea = Idea.objects.select_for_update().filter(pk=idea_id).first()
    if idea is None or not idea.is_visible:
        raise ValidationError(_("This idea is no longer available."), code="gone")
    if not user.has_perm("proposals.vote_idea", idea):
        if not (user and user.is_authenticated):
            raise PermissionDenied(_("Sign in to vote."))
        raise ValidationError(
            _("Voting on this idea has closed: %(status)s.")
            % {"status": idea.get_status_display() if not idea.archived_at else _("archived")},
            code="closed",
        )
    return idea


def _apply(idea: Idea, deltas: dict[str, int]) -> None:
    """Move the counters by ``deltas`` (on the locked row) and refresh the trending score."""
    now = timezone.now()
    support = idea.support_count + deltas.get("support_count", 0)
    score = trending_score(support=support, created_at=idea.created_at)
    Idea.objects.filter(pk=idea.pk).update(
        **{field: F(field) + delta for field, delta in deltas.items() if delta},
        trending_score=score,
        last_activity_at=now,
    )
    idea.trending_score = score
    for field, delta in deltas.items():
        setattr(idea, field, getattr(idea, field) + delta)
    idea.last_activity_at = now


@transaction.atomic
def idea_vote(*, user: User, idea: Idea | int, value: str) -> IdeaVote:
    """Record ``user``'s ``value`` (support/oppose) on ``idea``; a second vote changes it.

    Locks the idea row (``select_for_update``) for the read-then-write. Voting the same
    way again changes nothing. Returns the vote; ``idea`` (when given as an instance)
    carries the new counts afterwards.
    """
    if value not in IdeaVote.Value.values:
        raise ValidationError({"value": _("Choose to support or to oppose the idea.")})
    idea_id = idea if isinstance(idea, int) else idea.pk
    locked = _lock_open_idea(user=user, idea_id=idea_id)
    vote = IdeaVote.objects.filter(idea=locked, user=user).first()
    now = timezone.now()
    if vote is not None and vote.value == value:
        result = vote
    elif vote is not None:
        previous = vote.value
        vote.value, vote.updated_at = value, now
        vote.save(update_fields=["value", "updated_at"])
        _apply(locked, {_COUNTER[previous]: -1, _COUNTER[value]: 1})
        result = vote
    else:
        result = IdeaVote.objects.create(
            idea=locked, user=user, value=value, created_at=now, updated_at=now
        )
        _apply(locked, {_COUNTER[value]: 1})
    _copy_counts(locked, idea)
    return result


@transaction.atomic
def idea_vote_withdraw(*, user: User, idea: Idea | int) -> bool:
    """Remove ``user``'s vote on ``idea``; False when there was none (nothing changes).

    Locks the idea row (``select_for_update``) like ``idea_vote``.
    """
    idea_id = idea if isinstance(idea, int) else idea.pk
    locked = _lock_open_idea(user=user, idea_id=idea_id)
    vote = IdeaVote.objects.filter(idea=locked, user=user).first()
    if vote is None:
        _copy_counts(locked, idea)
        return False
    vote.delete()
    _apply(locked, {_COUNTER[vote.value]: -1})
    _copy_counts(locked, idea)
    return True


def _copy_counts(locked: Idea, idea: Idea | int) -> None:
    if isinstance(idea, Idea) and idea is not locked:
        for field in ("support_count", "oppose_count", "trending_score", "last_activity_at"):
            setattr(idea, field, getattr(locked, field))
