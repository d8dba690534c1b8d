"""The council's answers: statuses and official responses, and announcing them.

Each change of status is logged in the audit trail and announced through the notification
engine inside the same transaction (``topic_event_create``), to every supporter, opponent
and follower once: the recipients are one query over the users table, so someone who both
voted and follows is one recipient, and the event's idempotency key and the deliveries'
unique constraints make a retried call add nothing.

Forwarding and archiving: ``proposals.services.forwarding``; merging:
``proposals.services.merging``.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicportal.accounts.models import User
from civicportal.core.models import Follow
from civicportal.core.rendering import markdown_render
from civicportal.kernel.audit import audit_record
from proposals.models import RESPONSE_MAX_LENGTH, Idea, IdeaStatus, IdeaVote

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
