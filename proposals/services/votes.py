"""Supporting, opposing and withdrawing: one vote per resident and idea, counters exact.

Votes are the portal's busiest write (the last hour before a deadline), so an idea's row,
which every vote on it must update, is locked for as short a time as possible:

1. the resident's vote is read with its idea (is it open, what are its counts), in one
   query that locks nothing. Voting the same way again ends here: nothing is written;
2. a change is claimed by a conditional write of the vote row: ``UPDATE ... WHERE value
   = <the value read>`` (``DELETE`` to withdraw), which locks the row. If it finds no
   such row, another request of the same resident (a double-click, fifty parallel
   requests) changed the vote in between: the transaction is rolled back and the vote
   tried again, reading the vote row under its lock (``select_for_update``) this time.
   A first vote is inserted with ``ON CONFLICT DO NOTHING``, and the unique constraint on
   (idea, user) decides between concurrent first votes: the loser inserts nothing (no
   error: PostgreSQL waits for the winner's commit) and is tried again the same way,
   finding the winner's row to lock. A withdrawal may delete that row again in between,
   so the locked tries repeat, a bounded number of times (``_ATTEMPTS``); each repeat
   means another request of the resident committed, so fifty or eighty parallel requests
   get through. Should the tries run out, the vote is refused with a message (code
   ``"busy"``) and nothing changes: a parallel burst never surfaces as an error (500);
3. the idea's counters (and its trending score) move by one ``UPDATE`` relative to the
   row's own values, as the transaction's last statement, and only while the idea is
   still open (a filter, not the earlier read: a status change, hide or merge that
   committed in between makes it change nothing, and the vote is refused and rolled
   back).

So votes on one idea wait for each other only from that ``UPDATE`` to the commit, and a
vote and its count commit together or not at all. Lock order is vote rows, then the idea
row; ``idea_merge``, which rewrites votes of locked ideas, takes the votes table first.

Each resident may vote ``PROPOSALS_VOTE_RATE_LIMIT`` times per
``PROPOSALS_VOTE_RATE_WINDOW`` seconds (withdrawing included); past that the vote is
refused with ``RateLimited`` before anything is read, and nothing changes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicportal.accounts.models import User
from civicportal.audience.services import participation_record
from civicportal.core.models import ModerationState
from civicportal.kernel.ratelimit import RateLimited, rate_limit_take, seconds_to_next_window
from proposals.models import OPEN_STATUSES, Idea, IdeaVote

_COUNTER = {IdeaVote.Value.SUPPORT: "support_count", IdeaVote.Value.OPPOSE: "oppose_count"}
# What a vote reads of its idea: whether it is open, and the counts the answer shows.
IDEA_FIELDS = (
    "id",
    "moderation_state",
    "status",
    "archived_at",
    "merged_into_id",
    "support_count",
    "oppose_count",
)
RATE_SCOPE = "proposals:vote"
# Tries in all when the same resident's other requests keep winning the race (step 2): one
# without locks, then locked ones, each of which fails only when another request of the
# resident committed in between.
_ATTEMPTS = 12


def _signed_in(user: User) -> None:
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Sign in to vote."))


def _rate_limit_take(user: User) -> None:
    """Count one vote against the resident's allowance (one cache round trip)."""
    window = settings.PROPOSALS_VOTE_RATE_WINDOW
    limit = settings.PROPOSALS_VOTE_RATE_LIMIT
    if rate_limit_take(scope=RATE_SCOPE, subject=user.pk, limit=limit, window=window):
        return
    wait = seconds_to_next_window(window)
    minutes = max(round(wait / 60), 1)
    raise RateLimited(
        ngettext(
            "You have voted %(limit)s times in a short time. Please wait a minute before "
            "voting again; your vote has not changed.",
            "You have voted %(limit)s times in a short time. Please wait %(minutes)s minutes "
            "before voting again; your vote has not changed.",
            minutes,
        )
        % {"limit": limit, "minutes": minutes},
        retry_after=wait,
    )


def _refusal(user: User, idea: Idea | None) -> ValidationError | None:
    """Why ``user`` may not vote on ``idea`` (as read), or None if they may."""
    if idea is None or not idea.is_visible:
        return ValidationError(_("This idea is no longer available."), code="gone")
    if not user.has_perm("proposals.vote_idea", idea):
        return ValidationError(
            _("Voting on this idea has closed: %(status)s.")
            % {"status": idea.get_status_display() if not idea.archived_at else _("archived")},
            code="closed",
        )
    return None


# The statements a vote runs are written out here, not built by the ORM: building one took
# 0.2 to 0.6 ms of CPU, several times what the database needs to run it, on the portal's
# busiest write (bench/vote_burst.py). They are plain SQL that PostgreSQL and SQLite read
# alike (LOG(base, x) is Django's Log on both). The rare paths (a first vote, a vote read
# again under its lock) keep the ORM.
_VOTE_READ_SQL = """
    SELECT i.id, i.moderation_state, i.status, i.archived_at, i.merged_into_id,
           i.support_count, i.oppose_count, v.id, v.value
    FROM proposals_idea i
    LEFT JOIN proposals_ideavote v ON v.idea_id = i.id AND v.user_id = %s
    WHERE i.id = %s
"""
# The claim of a change: it applies only to the vote as it was read.
_VOTE_UPDATE_SQL = """
    UPDATE proposals_ideavote SET value = %s, updated_at = %s WHERE id = %s AND value = %s
"""
_VOTE_DELETE_SQL = "DELETE FROM proposals_ideavote WHERE id = %s AND value = %s"
# A first vote. When another request of the resident inserted theirs first, the unique
# constraint makes this insert nothing (no error, the transaction stays usable) and return
# no row; PostgreSQL waits for that other insert's transaction to end before deciding.
_VOTE_INSERT_SQL = """
    INSERT INTO proposals_ideavote (idea_id, user_id, value, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT DO NOTHING
    RETURNING id
"""
# Only while the idea is open (``Idea.is_open``). The trending score's support term
# (``models.trending_score``: log10 of the support, at least 1) is swapped for the new
# support's in the same statement, which reads the row as it was: no read beforehand.
_COUNTERS_MOVE_SQL = """
    UPDATE proposals_idea SET
        support_count = support_count + %(support)s,
        oppose_count = oppose_count + %(oppose)s,
        trending_score = trending_score
            - LOG(10, CASE WHEN support_count > 1 THEN support_count ELSE 1 END)
            + LOG(10, CASE WHEN support_count + %(support)s > 1
                      THEN support_count + %(support)s ELSE 1 END),
        last_activity_at = %(now)s
    WHERE id = %(idea)s AND moderation_state = %(visible)s AND archived_at IS NULL
        AND merged_into_id IS NULL AND status IN ({open_statuses})
""".format(open_statuses=", ".join(f"%(open{n})s" for n in range(len(OPEN_STATUSES))))


class _VoteMoved(Exception):
    """The vote row was not as read any more: another request of the resident changed it."""


def _vote_read(*, user: User, idea_id: int) -> tuple[IdeaVote | None, Idea]:
    """``user``'s vote on the idea (or None) and the idea (``IDEA_FIELDS``), one query.

    Locks nothing. Raises the refusal when the idea is gone or closed as read.
    """
    with connection.cursor() as cursor:
        cursor.execute(_VOTE_READ_SQL, [user.pk, idea_id])
        row = cursor.fetchone()
    idea = Idea.from_db(None, IDEA_FIELDS, row[: len(IDEA_FIELDS)]) if row else None
    refusal = _refusal(user, idea)
    if refusal is not None:
        raise refusal
    vote_id, value = row[len(IDEA_FIELDS) :]
    if vote_id is None:
        return None, idea
    return IdeaVote(id=vote_id, value=value, idea=idea, user=user), idea


def _vote_lock(*, user: User, idea: Idea) -> IdeaVote | None:
    """Read ``user``'s vote on ``idea`` again, its row locked until the transaction ends."""
    row = (
        IdeaVote.objects.select_for_update()
        .filter(idea_id=idea.pk, user=user)
        .values_list("id", "value")
        .first()
    )
    return IdeaVote(id=row[0], value=row[1], idea=idea, user=user) if row else None


def _vote_change(vote: IdeaVote, value: str | None, *, now) -> None:
    """Change ``vote`` to ``value`` (None: delete it), only if its row is still as read."""
    with connection.cursor() as cursor:
        if value is None:
            cursor.execute(_VOTE_DELETE_SQL, [vote.pk, vote.value])
        else:
            now = connection.ops.adapt_datetimefield_value(now)
            cursor.execute(_VOTE_UPDATE_SQL, [value, now, vote.pk, vote.value])
        changed = cursor.rowcount
    if not changed:
        raise _VoteMoved


def _vote_insert(*, user: User, idea: Idea, value: str, now) -> IdeaVote:
    """Insert ``user``'s first vote on ``idea``; ``_VoteMoved`` if another request did first."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_VOTE_INSERT_SQL, [idea.pk, user.pk, value, stamp, stamp])
        row = cursor.fetchone()
    if row is None:
        raise _VoteMoved
    return IdeaVote(id=row[0], idea=idea, user=user, value=value, created_at=now, updated_at=now)


def _counters_move(*, user: User, idea: Idea, deltas: dict[str, int]) -> None:
    """Move ``idea``'s counters by ``deltas`` in one ``UPDATE``, if it is still open.

    The last statement of the vote's transaction: from here to the commit the idea's row
    is locked. Refuses (and so rolls the vote back) when the idea closed meanwhile.
    ``idea`` gets the counts as read plus ``deltas`` (other votes may have landed since).
    """
    params = {
        "support": deltas.get("support_count", 0),
        "oppose": deltas.get("oppose_count", 0),
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "idea": idea.pk,
        "visible": ModerationState.VISIBLE.value,
        **{f"open{n}": status.value for n, status in enumerate(OPEN_STATUSES)},
    }
    with connection.cursor() as cursor:
        cursor.execute(_COUNTERS_MOVE_SQL, params)
        moved = cursor.rowcount
    if not moved:
        raise _refusal(user, Idea.objects.filter(pk=idea.pk).first()) or ValidationError(
            _("This idea is no longer available."), code="gone"
        )
    for field, delta in deltas.items():
        setattr(idea, field, getattr(idea, field) + delta)


def idea_vote(*, user: User, idea: Idea | int, value: str) -> IdeaVote:
    """Record ``user``'s ``value`` (support/oppose) on ``idea``; a second vote changes it.

    Counts against the resident's vote rate limit (``RateLimited`` when it is used up).
    Voting the same way again changes nothing and locks nothing; a change locks the
    resident's vote row, then the idea's row for the counter update (see the module's
    docstring). Returns the vote; its ``idea`` carries the counts after it, and so does
    ``idea`` when given as an instance.
    """
    if value not in IdeaVote.Value.values:
        raise ValidationError({"value": _("Choose to support or to oppose the idea.")})
    _signed_in(user)
    _rate_limit_take(user)
    idea_id = idea if isinstance(idea, int) else idea.pk
    vote = _retried(_idea_vote, user=user, idea_id=idea_id, value=value)
    _copy_counts(vote.idea, idea)
    participation_record(user=user, module="proposals", action=f"vote-{value}")
    return vote


def idea_vote_withdraw(*, user: User, idea: Idea | int) -> bool:
    """Remove ``user``'s vote on ``idea``; False when there was none (nothing changes).

    Counts against the vote rate limit and locks like ``idea_vote``; ``idea``, when given
    as an instance, carries the counts afterwards.
    """
    _signed_in(user)
    _rate_limit_take(user)
    idea_id = idea if isinstance(idea, int) else idea.pk
    read, withdrawn = _retried(_idea_vote_withdraw, user=user, idea_id=idea_id)
    _copy_counts(read, idea)
    return withdrawn


def _retried(write, **kwargs):
    """``write(lock=False, ...)``; after a lost race, again with the vote row locked.

    When the resident's other requests win every try (``_ATTEMPTS``), a ``ValidationError``
    (code ``"busy"``) says so; nothing was changed. Never the race's own exception.
    """
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return write(lock=attempt > 1, **kwargs)
        except (_VoteMoved, IntegrityError):
            continue
    raise ValidationError(
        _(
            "Several of your votes on this idea arrived at the same moment, so this one was "
            "not recorded. Reload the page to see your vote, and try again if needed."
        ),
        code="busy",
    )


def _idea_vote(*, user: User, idea_id: int, value: str, lock: bool) -> IdeaVote:
    vote, idea = _vote_read(user=user, idea_id=idea_id)
    if vote is not None and vote.value == value and not lock:
        return vote  # the same vote again: nothing to write, no transaction
    with transaction.atomic():
        if lock:
            vote = _vote_lock(user=user, idea=idea)
        if vote is not None and vote.value == value:
            return vote
        now = timezone.now()
        if vote is not None:
            previous = vote.value
            _vote_change(vote, value, now=now)
            vote.value, vote.updated_at = value, now
            deltas = {_COUNTER[previous]: -1, _COUNTER[value]: 1}
        else:
            vote = _vote_insert(user=user, idea=idea, value=value, now=now)
            deltas = {_COUNTER[value]: 1}
        _counters_move(user=user, idea=idea, deltas=deltas)
        return vote


def _idea_vote_withdraw(*, user: User, idea_id: int, lock: bool) -> tuple[Idea, bool]:
    vote, idea = _vote_read(user=user, idea_id=idea_id)
    if vote is None and not lock:
        return idea, False
    with transaction.atomic():
        if lock:
            vote = _vote_lock(user=user, idea=idea)
        if vote is None:
            return idea, False
        _vote_change(vote, None, now=None)
        _counters_move(user=user, idea=idea, deltas={_COUNTER[vote.value]: -1})
        return idea, True


def _copy_counts(read: Idea, idea: Idea | int) -> None:
    if isinstance(idea, Idea) and idea is not read:
        idea.support_count, idea.oppose_count = read.support_count, read.oppose_count
