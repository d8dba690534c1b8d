"""Reports and moderators' decisions.

- ``flag_create``: one report per resident and item (a database constraint); when the
  open reports on an item reach ``CORE_FLAG_HIDE_THRESHOLD`` distinct residents, the item
  is hidden pending review and its author told.
- ``moderation_decide``: a moderator hides, restores, warns the author (and hides) or
  blocks the author (and hides). Each decision closes the case, is recorded
  (``ModerationDecision`` and the item's audit history) and is told to the author, once,
  by the notification engine (inbox and email).

Both lock the item's ``ModerationCase`` row, so reports and decisions arriving together
are applied one after the other.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicportal.accounts.models import User
from civicportal.core import targets
from civicportal.core.models import (
    Flag,
    Moderatable,
    ModerationCase,
    ModerationDecision,
    ModerationState,
)
from civicportal.kernel.audit import audit_record
from civicportal.notifications.services import event_create

NOTICE_KIND = "moderation.decision"
NOTICE_CHANNELS = ("inbox", "email")
EXCERPT_LENGTH = 200

Action = ModerationDecision.Action

_STATE_AFTER = {
    Action.HIDE: ModerationState.HIDDEN,
    Action.RESTORE: ModerationState.VISIBLE,
    Action.WARN: ModerationState.HIDDEN,
    Action.BLOCK: ModerationState.HIDDEN,
}

# What the author is told, as msgids: each recipient reads it in their own language.
_NOTICES = {
    Action.AUTO_HIDE: (
        gettext_noop("Something you posted is hidden while moderators review it"),
        gettext_noop(
            "Several residents reported something you posted, so it is hidden until a "
            "moderator reviews it. You will be told the outcome.\n\n"
            "What you posted: “%(excerpt)s”"
        ),
    ),
    Action.HIDE: (
        gettext_noop("Moderators hid something you posted"),
        gettext_noop(
            "A moderator hid something you posted because it breaks the house rules.\n\n"
            "What you posted: “%(excerpt)s”\n\nThe moderator's reason: %(reason)s"
        ),
    ),
    Action.RESTORE: (
        gettext_noop("Something you posted is visible again"),
        gettext_noop(
            "A moderator reviewed the reports about something you posted and restored it: "
            "everyone can see it again.\n\nWhat you posted: “%(excerpt)s”\n\n"
            "The moderator's note: %(reason)s"
        ),
    ),
    Action.WARN: (
        gettext_noop("A warning from the moderators"),
        gettext_noop(
            "A moderator hid something you posted and sent you this warning. If it happens "
            "again, your account may be blocked.\n\nWhat you posted: “%(excerpt)s”\n\n"
            "The moderator's reason: %(reason)s"
        ),
    ),
    Action.BLOCK: (
        gettext_noop("Your account has been blocked"),
        gettext_noop(
            "A moderator hid something you posted and blocked your account: you can no "
            "longer sign in. To ask for a review, reply to the council at %(contact)s.\n\n"
            "What you posted: “%(excerpt)s”\n\nThe moderator's reason: %(reason)s"
        ),
    ),
}


def _excerpt(target: models.Model | None) -> str:
    if target is None:
        return ""
    text = " ".join(str(target.get_moderation_excerpt() or "").split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def _author_notify(*, decision: ModerationDecision, target: models.Model | None) -> None:
    """Tell the author what happened and why: one event, inbox and email, sent on commit."""
    author = decision.author
    if author is None:
        return
    subject, body = _NOTICES[decision.action]
    url = ""
    if decision.state_after == ModerationState.VISIBLE and hasattr(target, "get_absolute_url"):
        url = target.get_absolute_url() or ""
    channels = [c for c in NOTICE_CHANNELS if c in settings.NOTIFICATIONS_CHANNELS]
    event_create(
        kind=NOTICE_KIND,
        recipients=[author],
        channels_for=lambda user: channels,
        context={
            "subject": subject,
            "body": body,
            "params": {
                "excerpt": _excerpt(target),
                "reason": decision.reason or "—",
                "contact": settings.COUNCIL_CONTACT_EMAIL,
            },
            "url": url,
        },
        idempotency_key=f"{NOTICE_KIND}:{decision.pk}",
        source=decision,
    )


def _case_lock(*, target: models.Model) -> ModerationCase:
    """The item's case, created if missing, locked for the rest of the transaction."""
    content_type = ContentType.objects.get_for_model(target)
    case, _created = ModerationCase.objects.get_or_create(
        content_type=content_type,
        object_id=target.pk,
        defaults={"author": target.get_moderation_author()},
    )
    return ModerationCase.objects.select_for_update().get(pk=case.pk)


def _state_set(*, target: models.Model, state: str) -> None:
    # A queryset update: the state changes without running the model's save() (and its
    # own audit entry); ``audit_record`` records it with the reason instead.
    type(target)._default_manager.filter(pk=target.pk).update(moderation_state=state)
    target.moderation_state = state


@transaction.atomic
def flag_create(*, reporter: User, target: models.Model, reason: str, details: str = "") -> Flag:
    """Report ``target``. Refused (``ValidationError``) when ``reporter`` already did.

    When this report brings the open reports to ``CORE_FLAG_HIDE_THRESHOLD``, the item is
    hidden pending review (``ModerationState.PENDING``) and its author notified once.
    """
    if not reporter.has_perm("core.add_flag"):
        raise PermissionDenied(_("Sign in to report content."))
    if not isinstance(target, Moderatable) or not targets.offers(target, "flags"):
        raise ValidationError(_("This item cannot be reported."))
    if target.is_visible and not targets.target_visible(reporter, target):
        # Kept from the reporter by its page's rules (or a comment on such a page, or a
        # deleted one): as if it did not exist. An item already hidden is told below.
        raise ValidationError(_("There is no such item to report."))
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": _("Choose why you are reporting this.")})
    details = (details or "").strip()
    if len(details) > 1000:
        raise ValidationError({"details": _("Keep the details under 1,000 characters.")})
    if reason == Flag.Reason.OTHER and not details:
        raise ValidationError({"details": _("Tell the moderators what is wrong with it.")})
    author = target.get_moderation_author()
    if author is not None and author.pk == reporter.pk:
        raise ValidationError(_("You cannot report something you posted yourself."))

    case = _case_lock(target=target)
    target.refresh_from_db(fields=["moderation_state"])
    if not target.is_visible:
        raise ValidationError(_("This is already hidden while moderators review it."))
    try:
        with transaction.atomic():
            flag = Flag.objects.create(case=case, reporter=reporter, reason=reason, details=details)
    except IntegrityError:
        raise ValidationError(_("You have already reported this.")) from None

    now = timezone.now()
    if case.status == ModerationCase.Status.CLOSED:
        case.status, case.opened_at, case.closed_at = ModerationCase.Status.OPEN, now, None
        case.author = author
        case.save(update_fields=["status", "opened_at", "closed_at", "author"])
    open_reports = case.flags.filter(resolved_at__isnull=True).count()
    if open_reports >= settings.CORE_FLAG_HIDE_THRESHOLD:
        _state_set(target=target, state=ModerationState.PENDING)
        decision = ModerationDecision.objects.create(
            case=case,
            action=Action.AUTO_HIDE,
            author=author,
            state_before=ModerationState.VISIBLE,
            state_after=ModerationState.PENDING,
        )
        audit_record(
            actor=None,
            obj=target,
            action="moderation.auto_hide",
            changes={"moderation_state": (ModerationState.VISIBLE, ModerationState.PENDING)},
        )
        _author_notify(decision=decision, target=target)
    return flag


@transaction.atomic
def moderation_decide(
    *, moderator: User, case: ModerationCase, action: str, reason: str = ""
) -> ModerationDecision:
    """Apply a moderator's decision on a reported item; see the module docstring.

    ``reason`` is told to the author and is required except to restore. Blocking a member
    of staff is refused. Locks the case's row; a case decided in the meantime is refused,
    so two moderators acting together do not notify the author twice.
    """
    if not moderator.has_perm("core.moderate_content"):
        raise PermissionDenied(_("Only moderators can decide on reported content."))
    if action not in _STATE_AFTER:
        raise ValidationError(_("Choose hide, restore, warn or block."))
    reason = (reason or "").strip()
    if action != Action.RESTORE and not reason:
        raise ValidationError({"reason": _("Give the author a reason: they will be told it.")})
    case = ModerationCase.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise ValidationError(_("Another moderator has already decided this case."))
    target = case.target
    author = case.author
    if target is not None:
        author = target.get_moderation_author() or author
    if action == Action.BLOCK:
        if author is None:
            raise ValidationError(
                _("The author's account no longer exists, so it cannot be blocked.")
            )
        if author.is_staff:
            raise ValidationError(
                _("A member of staff cannot be blocked from the moderation queue.")
            )

    state_before = target.moderation_state if target is not None else ModerationState.HIDDEN
    state_after = _STATE_AFTER[action]
    now = timezone.now()
    decision = ModerationDecision.objects.create(
        case=case,
        action=action,
        moderator=moderator,
        author=author,
        reason=reason,
        state_before=state_before,
        state_after=state_after,
        created_at=now,
    )
    if target is not None and state_before != state_after:
        _state_set(target=target, state=state_after)
    if target is not None:
        audit_record(
            actor=moderator,
            obj=target,
            action=f"moderation.{action}",
            changes={"moderation_state": (state_before, state_after)},
        )
    case.flags.filter(resolved_at__isnull=True).update(resolved_at=now)
    case.status, case.closed_at = ModerationCase.Status.CLOSED, now
    case.save(update_fields=["status", "closed_at"])
    # Told before a block takes effect: the engine skips inactive recipients.
    _author_notify(decision=decision, target=target)
    if action == Action.BLOCK and author.is_active:
        # An update, not save(): the audit entry below records it once, with the action.
        User.objects.filter(pk=author.pk).update(is_active=False)
        author.is_active = False
        audit_record(
            actor=moderator,
            obj=author,
            action="moderation.block",
            changes={"is_active": (True, False)},
        )
    return decision
