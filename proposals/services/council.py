"""The council's side: statuses and official responses, forwarding, archiving, merging.

Each change of status is logged in the audit trail and announced through the notification
engine inside the same transaction (``topic_event_create``), to every supporter, opponent
and follower once: the recipients are one query over the users table, so someone who both
voted and follows is one recipient, and the event's idempotency key and the deliveries'
unique constraints make a retried call add nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicportal.accounts import roles
from civicportal.accounts.models import User
from civicportal.core.audit import audit_record
from civicportal.core.models import Comment, Follow, ModerationState
from civicportal.core.rendering import markdown_render
from proposals.models import (
    RESPONSE_MAX_LENGTH,
    ForwardingRound,
    Idea,
    IdeaStatus,
    IdeaVote,
    Point,
    trending_score,
)

TOPIC_STATUS_CHANGED = "proposals.status_changed"
TOPIC_FORWARDED = "proposals.forwarded"

# One subject per status, so each recipient reads it whole in their own language.
STATUS_SUBJECTS = {
    IdeaStatus.SUBMITTED: gettext_noop("“%(idea)s” is open again"),
    IdeaStatus.UNDER_REVIEW: gettext_noop("“%(idea)s” is under review by the council"),
    IdeaStatus.ACCEPTED: gettext_noop("“%(idea)s” was accepted by the council"),
    IdeaStatus.IN_PROGRESS: gettext_noop("Work on “%(idea)s” is in progress"),
    IdeaStatus.IMPLEMENTED: gettext_noop("“%(idea)s” has been implemented"),
    IdeaStatus.NOT_ACCEPTED: gettext_noop("“%(idea)s” was not accepted by the council"),
    IdeaStatus.MERGED: gettext_noop("“%(idea)s” was merged into “%(target)s”"),
}


def idea_audience(idea: Idea) -> models.QuerySet[User]:
    """Supporters, opponents and followers of ``idea``, each once (active accounts)."""
    content_type = ContentType.objects.get_for_model(Idea)
    voters = IdeaVote.objects.filter(idea=idea, user__isnull=False).values("user_id")
    followers = Follow.objects.filter(content_type=content_type, object_id=idea.pk).values(
        "user_id"
    )
    return User.objects.filter(Q(pk__in=voters) | Q(pk__in=followers), is_active=True).order_by(
        "pk"
    )


def _council_staff() -> models.QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        is_staff=True,
        groups__name__in=[roles.MODERATOR, roles.ADMINISTRATOR],
    ).distinct()


def _announce_status(*, idea: Idea, actor: User | None, stamp: datetime) -> None:
    from civicportal.notifications.services import topic_event_create

    audience = idea_audience(idea)
    if actor is not None and actor.pk:
        audience = audience.exclude(pk=actor.pk)
    params = {"idea": idea.title, "response": idea.official_response[:600]}
    if idea.merged_into_id:
        params["target"] = idea.merged_into.title
    body = (
        gettext_noop("The council's answer: %(response)s")
        if idea.official_response
        else gettext_noop("Open the idea to see where it stands.")
    )
    topic_event_create(
        topic=TOPIC_STATUS_CHANGED,
        recipients=audience,
        context={
            "subject": STATUS_SUBJECTS[idea.status],
            "body": body,
            "params": params,
            "url": (idea.merged_into or idea).get_absolute_url(),
            "action": gettext_noop("Open the idea"),
        },
        idempotency_key=f"{TOPIC_STATUS_CHANGED}:{idea.pk}:{idea.status}:{stamp.timestamp():.6f}",
        source=idea,
    )


@transaction.atomic
def idea_status_set(
    *, actor: User, idea: Idea | int, status: str, response: str = "", notify: bool = True
) -> Idea:
    """Set ``idea``'s status and the council's official response; notify its audience.

    Locks the idea row. Setting the same status and response again changes nothing and
    notifies no one. Merging has its own service (``idea_merge``). Raises
    ``PermissionDenied`` or ``ValidationError``.
    """
    idea_id = idea if isinstance(idea, int) else idea.pk
    locked = Idea.objects.select_for_update().filter(pk=idea_id).first()
    if locked is None:
        raise ValidationError(_("This idea no longer exists."), code="gone")
    if not actor.has_perm("proposals.set_status_idea", locked):
        raise PermissionDenied(_("Only council staff can change the status of an idea."))
    if status == IdeaStatus.MERGED:
        raise ValidationError(
            {"status": _("To merge an idea, use “Merge into another idea” and choose the idea.")}
        )
    if status not in IdeaStatus.values:
        raise ValidationError({"status": _("Choose one of the statuses offered.")})
    if locked.status == IdeaStatus.MERGED:
        raise ValidationError(
            {"status": _("This idea was merged into another one; change that idea instead.")}
        )
    response = (response or "").strip()
    if len(response) > RESPONSE_MAX_LENGTH:
        raise ValidationError(
            {
                "official_response": _(
                    "The response can be at most %(max)s characters long; it has %(length)s."
                )
                % {"max": RESPONSE_MAX_LENGTH, "length": len(response)}
            }
        )
    if status != IdeaStatus.SUBMITTED and status != IdeaStatus.UNDER_REVIEW and not response:
        raise ValidationError(
            {
                "official_response": _(
                    "Write the council's official response to go with this status."
                )
            }
        )
    if status == locked.status and response == locked.official_response:
        return locked
    now = timezone.now()
    before = {"status": locked.status, "official_response": locked.official_response}
    locked.status = status
    update_fields = ["status"]
    if response != locked.official_response:
        locked.official_response = response
        locked.official_response_html = markdown_render(response)
        locked.responded_at = now if response else None
        locked.responded_by = actor if response else None
        update_fields += [
            "official_response",
            "official_response_html",
            "responded_at",
            "responded_by",
        ]
    if status == IdeaStatus.UNDER_REVIEW and locked.forwarded_at is None:
        locked.forwarded_at = now
        update_fields.append("forwarded_at")
    locked.save(update_fields=update_fields)
    audit_record(
        actor=actor,
        obj=locked,
        action="proposals.status_set",
        changes={
            "status": (before["status"], locked.status),
            "official_response": (before["official_response"], locked.official_response),
        },
    )
    if notify:
        _announce_status(idea=locked, actor=actor, stamp=now)
    return locked


# --- Forwarding ----------------------------------------------------------------------------


def forward_period(when: datetime) -> str:
    """The forwarding period ``when`` falls in: ``2026-11``, ``2026-W48`` or ``2026-Q4``."""
    local = timezone.localtime(when)
    period = settings.PROPOSALS_FORWARD_PERIOD
    if period == "weekly":
        year, week, _day = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "quarterly":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return f"{local.year}-{local.month:02d}"


@dataclass
class ForwardResult:
    period: str
    top: list[int] = field(default_factory=list)
    threshold: list[int] = field(default_factory=list)

    @property
    def ideas(self) -> list[int]:
        return self.top + self.threshold


def _forwardable() -> models.QuerySet[Idea]:
    return Idea.objects.filter(
        moderation_state=ModerationState.VISIBLE,
        status=IdeaStatus.SUBMITTED,
        archived_at__isnull=True,
        merged_into__isnull=True,
        forwarded_at__isnull=True,
    )


@transaction.atomic
def ideas_forward(*, now: datetime | None = None) -> ForwardResult:
    """Move ideas to *under review* and tell the council's moderators.

    Once per ``PROPOSALS_FORWARD_PERIOD``: the ``PROPOSALS_FORWARD_TOP_N`` most supported
    ideas (with at least ``PROPOSALS_FORWARD_MIN_SUPPORT``). Every run: each idea with at
    least ``PROPOSALS_FORWARD_THRESHOLD`` supporters. Safe to run twice: the period's
    ``ForwardingRound`` row is unique, and only ideas still *submitted* and never forwarded
    are picked, locked with ``FOR UPDATE SKIP LOCKED`` so two runs at once split nothing.
    """
    now = now or timezone.now()
    result = ForwardResult(period=forward_period(now))
    try:
        with transaction.atomic():
            ForwardingRound.objects.create(period=result.period, created_at=now)
        round_is_new = True
    except IntegrityError:
        round_is_new = False
    if round_is_new and settings.PROPOSALS_FORWARD_TOP_N > 0:
        result.top = list(
            _forwardable()
            .filter(support_count__gte=max(settings.PROPOSALS_FORWARD_MIN_SUPPORT, 0))
            .order_by("-support_count", "created_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[: settings.PROPOSALS_FORWARD_TOP_N]
        )
    result.threshold = list(
        _forwardable()
        .filter(support_count__gte=max(settings.PROPOSALS_FORWARD_THRESHOLD, 1))
        .exclude(pk__in=result.top)
        .order_by("-support_count", "id")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    if round_is_new:
        ForwardingRound.objects.filter(period=result.period).update(idea_count=len(result.ideas))
    if not result.ideas:
        return result
    ideas = list(Idea.objects.filter(pk__in=result.ideas).order_by("-support_count", "id"))
    for idea in ideas:
        before = idea.status
        idea.status, idea.forwarded_at = IdeaStatus.UNDER_REVIEW, now
        idea.save(update_fields=["status", "forwarded_at"])
        audit_record(
            actor=None,
            obj=idea,
            action="proposals.forward",
            changes={"status": (before, idea.status), "forwarded_at": (None, now)},
        )
        _announce_status(idea=idea, actor=None, stamp=now)
    from civicportal.notifications.services import topic_event_create

    topic_event_create(
        topic=TOPIC_FORWARDED,
        recipients=_council_staff(),
        context={
            "subject": gettext_noop("%(count)s ideas were forwarded to the council"),
            "body": gettext_noop(
                "Ideas residents support most, now waiting for an answer: %(titles)s"
            ),
            "params": {"count": len(ideas), "titles": "; ".join(i.title for i in ideas)[:900]},
            "url": "/admin/proposals/idea/?status__exact=under_review",
            "action": gettext_noop("Answer them"),
        },
        idempotency_key=f"{TOPIC_FORWARDED}:{result.period}:{now.timestamp():.6f}",
    )
    return result


# --- Archiving -----------------------------------------------------------------------------


@transaction.atomic
def ideas_archive_inactive(*, now: datetime | None = None) -> int:
    """Archive submitted ideas with no vote, point or comment for the configured days.

    Ideas in the council's hands (any other status) stay. Safe to run twice: an archived
    idea is not picked again. Returns the number archived.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PROPOSALS_ARCHIVE_AFTER_DAYS)
    recent_comment = Comment.objects.filter(
        content_type=ContentType.objects.get_for_model(Idea),
        object_id=OuterRef("pk"),
        created_at__gte=cutoff,
    )
    ids = list(
        Idea.objects.filter(
            status=IdeaStatus.SUBMITTED,
            archived_at__isnull=True,
            last_activity_at__lt=cutoff,
        )
        .exclude(Exists(recent_comment))
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    archived = Idea.objects.filter(pk__in=ids, archived_at__isnull=True).update(archived_at=now)
    for idea in Idea.objects.filter(pk__in=ids):
        audit_record(
            actor=None, obj=idea, action="proposals.archive", changes={"archived_at": (None, now)}
        )
    return archived


# --- Merging -------------------------------------------------------------------------------


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
