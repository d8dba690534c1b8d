"""Merging a duplicate idea into another: votes, follows and points move, counters are
recounted, and the duplicate's audience is told where it went."""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from civicportal.core.models import Follow
from civicportal.core.rendering import markdown_render
from civicportal.kernel.audit import audit_record
from proposals.models import Idea, IdeaStatus, IdeaVote, Point, trending_score
from proposals.services.council import _announce_status


@transaction.atomic
def idea_merge(*, actor: User, source: Idea | int, target: Idea | int, response: str = "") -> Idea:
    """Merge the duplicate ``source`` into ``target``; returns the target.

    Locks the votes table, then both rows (lower id first, so concurrent merges cannot
    deadlock). The table comes first because a vote locks its own row before its idea's
    (``proposals.services.votes``): taking the ideas first and then waiting for a vote row
    held by a vote that waits for the idea would deadlock. Votes move to
    the target, except a resident's source vote when they also voted on the target (their
    target vote stands: nobody counts twice). Followers and points move as well; the
    target's counters are recounted from the rows. The source's audience is told where the
    idea went.
    """
    source_id = source if isinstance(source, int) else source.pk
    target_id = target if isinstance(target, int) else target.pk
    if source_id == target_id:
        raise ValidationError({"merged_into": _("An idea cannot be merged into itself.")})
    _votes_table_lock()
    locked = {
        idea.pk: idea
        for idea in Idea.objects.select_for_update()
        .filter(pk__in=[source_id, target_id])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(_("One of the two ideas no longer exists."), code="gone")
    src, dst = locked[source_id], locked[target_id]
    if not actor.has_perm("proposals.merge_idea", src):
        raise PermissionDenied(_("Only council staff can merge ideas."))
    if src.status == IdeaStatus.MERGED:
        raise ValidationError({"merged_into": _("This idea was already merged.")})
    if dst.status == IdeaStatus.MERGED:
        raise ValidationError(
            {
                "merged_into": _("“%(title)s” was itself merged; choose the idea it went into.")
                % {"title": dst.title}
            }
        )
    # Tell the source's audience before its votes and follows move away.
    now = timezone.now()
    before = src.status
    src.status, src.merged_into = IdeaStatus.MERGED, dst
    response = (response or "").strip() or _(
        "Merged into “%(title)s”, which asks for the same."
    ) % {"title": dst.title}
    src.official_response = response
    src.official_response_html = markdown_render(response)
    src.responded_at, src.responded_by = now, actor
    src.save(
        update_fields=[
            "status",
            "merged_into",
            "official_response",
            "official_response_html",
            "responded_at",
            "responded_by",
        ]
    )
    _announce_status(idea=src, actor=actor, stamp=now)

    target_voters = IdeaVote.objects.filter(idea=dst, user__isnull=False).values("user_id")
    IdeaVote.objects.filter(idea=src, user_id__in=target_voters).delete()
    IdeaVote.objects.filter(idea=src).update(idea=dst)
    content_type = ContentType.objects.get_for_model(Idea)
    source_follows = Follow.objects.filter(content_type=content_type, object_id=src.pk)
    Follow.objects.bulk_create(
        [
            Follow(user_id=user_id, content_type=content_type, object_id=dst.pk)
            for user_id in source_follows.values_list("user_id", flat=True)
        ],
        ignore_conflicts=True,
    )
    source_follows.delete()
    Point.objects.filter(idea=src).update(idea=dst)

    _recount(dst, now=now)
    _recount(src, now=now)
    audit_record(
        actor=actor,
        obj=src,
        action="proposals.merge",
        changes={"status": (before, src.status), "merged_into": (None, dst.pk)},
    )
    audit_record(
        actor=actor,
        obj=dst,
        action="proposals.merge_in",
        changes={"support_count": (None, dst.support_count), "merged_from": (None, src.pk)},
    )
    return dst


def _votes_table_lock() -> None:
    """Hold off every vote write until the transaction ends (reads go on).

    EXCLUSIVE mode waits for the votes in flight, which hold their vote rows, and makes new
    ones wait: a merge takes milliseconds and happens a few times a month. SQLite needs
    nothing: it runs one write transaction at a time.
    """
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(IdeaVote._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")


def _recount(idea: Idea, *, now: datetime) -> None:
    """Counters of ``idea`` from its rows (the caller holds the row lock)."""
    votes = IdeaVote.objects.filter(idea=idea).aggregate(
        support=Count("pk", filter=Q(value=IdeaVote.Value.SUPPORT)),
        oppose=Count("pk", filter=Q(value=IdeaVote.Value.OPPOSE)),
    )
    points = Point.objects.filter(idea=idea).aggregate(
        points_for=Count("pk", filter=Q(side=Point.Side.FOR)),
        points_against=Count("pk", filter=Q(side=Point.Side.AGAINST)),
    )
    idea.support_count, idea.oppose_count = votes["support"], votes["oppose"]
    idea.points_for_count, idea.points_against_count = (
        points["points_for"],
        points["points_against"],
    )
    idea.trending_score = trending_score(support=idea.support_count, created_at=idea.created_at)
    idea.last_activity_at = now
    idea.save(
        update_fields=[
            "support_count",
            "oppose_count",
            "points_for_count",
            "points_against_count",
            "trending_score",
            "last_activity_at",
        ]
    )
