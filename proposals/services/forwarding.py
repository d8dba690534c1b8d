"""The periodic jobs over submitted ideas: forwarding the most supported to the council,
archiving the inactive (beat jobs, each safe to run twice)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_noop

from civicportal.accounts import roles
from civicportal.accounts.models import User
from civicportal.core.models import Comment, ModerationState
from civicportal.kernel.audit import audit_record
from proposals.models import ForwardingRound, Idea, IdeaStatus
from proposals.services.council import TOPIC_FORWARDED, _announce_status

_COUNCIL_STAFF_ROLES = (roles.MODERATOR, roles.ADMINISTRATOR)


def _council_staff() -> models.QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        is_staff=True,
        groups__name__in=_COUNCIL_STAFF_ROLES,
    ).distinct()


def is_forwarding_recipient(user) -> bool:
    """Whether ``user`` is among the staff told of forwarded ideas (the topic's audience)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.groups.filter(name__in=_COUNCIL_STAFF_ROLES).exists()
    )


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
