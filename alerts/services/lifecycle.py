"""The alert state machine: every transition of an alert and its messages, in the order an
alert lives.

An alert (``Alert.state``), the service that moves it, and who may call it::

                         alert_draft_create          an Alert author
                                 |
                                 v
                               draft <-----------------------+
                                 |                           |
     alert_submit_for_approval   |   the draft's author      |   alert_return_to_author:
                                 v                           |   an Alert approver,
                              pending -----------------------+   with a reason
                                 |
                 alert_approve   |   an Alert approver who is not the message's author
                                 v
                             published
                                 |
                  alert_update   |   an Alert author writes an Update message (pending),
               + alert_approve   |   then a second person approves it
                                 v
                              updated ---+   the same again, any number of times
                                 ^-------+

   published | updated -- alert_cancel ---> cancelled   an Alert author or approver, one step
   published | updated -- alerts_expire --> expired     the beat job, once past expires_at

A message (``AlertMessage.state``)::

   draft --alert_submit_for_approval--> pending --alert_approve--> published
     ^                                     |
     +------alert_return_to_author---------+

   draft | pending --alert_cancel, alerts_expire--> withdrawn

``alert_update`` writes its message straight into pending (sent for approval as it is
written); ``alert_cancel`` writes its Cancel message straight into published.

**Two-person rule.** A message becomes public only through ``alert_approve``, which
refuses an actor who is not an Alert approver, and the message's own author, whatever
called it (staff page, API). The database refuses self-approval too
(``alerts_message_no_self_approval``). An update is a new message that needs approval
like the first one. The one exception is the one-step cancellation, which carries only
fixed wording.

**Approval is of what was seen.** ``message_version`` (``alerts.services.content``) is a
SHA-256 of every public word and code of a message (both languages, the note, the areas
and their boundaries, the status ...). The approval screen and the staff API show it with
the message; approving names it, and ``alert_approve`` refuses (``StaleApproval``) when
the message is no longer that version, so a message changed after the approver opened it
never goes out unseen. There is no bulk approval (the admin has none): each approval is
of one previewed message.

**Cancellation is one step, in fixed words.** ``alert_cancel`` publishes the Cancel
message at once, by any alert author or approver, without a second person: withdrawing a
warning must not wait for a second signature (that delay is what made the 2018 Hawaii
false missile alert take 38 minutes to correct). But no text reaches the public in the
council's name unless a second person approved it (docs/specification.md §10), so this
one-step message says nothing that one person wrote: its description and instruction are
the fixed all-clear wording below, translated into each language of the message
(gettext), and it repeats only the earlier message's approved headline, event, areas and
links. It has no CAP note.

Why not a two-step cancel: it would put the all-clear behind the same wait as the warning.
Why not one step with the note: one person's words would reach every subscriber and the
council's social accounts unseen by anyone else.

The canceller's note, when there is one, becomes a second Cancel message **waiting for
approval** (the same review, version and two-person rule as any message); once approved
it goes out to the same people as a further all-clear, and the alert stays cancelled.

**Locks and side effects.** Every transition takes the alert's row lock
(``select_for_update``) before reading its state, so two approvals, an approval and a
cancellation, or two updates cannot interleave. Side effects wait for the commit: the
fan-out to subscribers (``alerts.services.fanout``) and clearing the banner's stored
copies.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alerts.models import (
    Alert,
    AlertMessage,
    CapStatus,
    GroundReport,
    MsgType,
    ResponseType,
    Urgency,
)
from alerts.rules import is_alert_approver, is_alert_author
from alerts.selectors import banner_cache_clear
from alerts.services.content import (
    CONTENT_FIELDS,
    TEXT_FIELDS,
    MessageContent,
    content_validate,
    message_version,
    text_validate,
)
from alerts.services.fanout import fan_out_enqueue
from alerts.services.residents import report_triage
from alerts.validators import CONTROL_CHARACTERS, reject_control_characters
from civicportal.accounts.models import User
from civicportal.kernel.audit import audit_record

logger = logging.getLogger(__name__)

# The words of a one-step cancellation, translated into each language of the message when
# it is written (msgids: the words are fixed, no author writes them).
ALL_CLEAR_DESCRIPTION = gettext_noop(
    "The council has cancelled this alert. It is no longer in force."
)
ALL_CLEAR_INSTRUCTION = gettext_noop(
    "You no longer need to follow this alert's instructions. Follow any advice from the "
    "emergency services where you are."
)
NOTE_MAX_LENGTH = AlertMessage._meta.get_field("note").max_length
IN_FORCE = (Alert.State.PUBLISHED, Alert.State.UPDATED)


class StaleApproval(ValidationError):
    """The message changed after the approver reviewed it (the API answers 409)."""


# --- Draft -----------------------------------------------------------------------------------


@transaction.atomic
def alert_draft_create(
    *, actor: User, content: MessageContent, status: str = CapStatus.ACTUAL
) -> Alert:
    """→ draft: a new alert with its first message (msgType Alert) by ``actor``, an Alert
    author. Nothing to lock: the alert is new."""
    _require_author(actor)
    if status not in CapStatus.values:
        raise ValidationError({"status": _("Choose Actual, Exercise or Test.")})
    now = timezone.now()
    content_validate(content, now=now)
    alert = Alert.objects.create(
        status=status,
        headline=content.headline,
        severity=content.severity,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _message_create(alert, actor=actor, msg_type=MsgType.ALERT, content=content)
    audit_record(actor=actor, obj=alert, action="alerts.draft", changes={"state": ("", "draft")})
    return alert


@transaction.atomic
def alert_draft_update(
    *, actor: User, message: AlertMessage, content: MessageContent
) -> AlertMessage:
    """Draft → draft: change a draft message. Only its author may: an approver must never
    approve words they wrote, so nobody else writes into someone's draft. Locks the alert
    row before reading the message's state."""
    _require_author(actor)
    _alert, message = _lock_message(message)
    if message.state != AlertMessage.State.DRAFT:
        raise ValidationError(
            _("Only a draft can be changed; this message is “%(state)s”.")
            % {"state": message.get_state_display()}
        )
    if message.author_id != actor.pk:
        raise PermissionDenied(_("Only the author of a draft can change it."))
    content_validate(content, now=timezone.now(), check_expiry=message.msg_type != MsgType.CANCEL)
    _message_write(message, content)
    if message.msg_type == MsgType.ALERT:
        Alert.objects.filter(pk=message.alert_id).update(
            headline=content.headline, severity=content.severity, updated_at=timezone.now()
        )
    return message


# --- Approval --------------------------------------------------------------------------------


@transaction.atomic
def alert_submit_for_approval(*, actor: User, message: AlertMessage) -> AlertMessage:
    """Draft → pending. The author asks a second person to approve it. Locks the alert row
    before reading the states."""
    _require_author(actor)
    alert, message = _lock_message(message)
    if message.state != AlertMessage.State.DRAFT:
        raise ValidationError(_("Only a draft can be sent for approval."))
    if message.author_id != actor.pk:
        raise PermissionDenied(_("Only the author of a draft can send it for approval."))
    is_cancel = message.msg_type == MsgType.CANCEL
    if alert.state == Alert.State.EXPIRED or (
        alert.state == Alert.State.CANCELLED and not is_cancel
    ):
        raise ValidationError(_("This alert has ended; start a new alert instead."))
    content_validate(
        MessageContent.from_message(message), now=timezone.now(), check_expiry=not is_cancel
    )
    message.state = AlertMessage.State.PENDING
    message.submitted_at = timezone.now()
    message.save(update_fields=["state", "submitted_at"])
    if alert.state == Alert.State.DRAFT:
        _state_set(alert, Alert.State.PENDING, actor=actor, action="alerts.submit")
    return message


@transaction.atomic
def alert_return_to_author(*, actor: User, message: AlertMessage, reason: str) -> AlertMessage:
    """Pending → draft: an approver sends the message back with a reason (kept in the
    audit trail); the author can change it and submit it again. Locks the alert row
    before reading the states."""
    if not is_alert_approver(actor):
        raise PermissionDenied(_("Only staff with the Alert approver role can send it back."))
    alert, message = _lock_message(message)
    if message.state != AlertMessage.State.PENDING:
        raise ValidationError(_("Only a message waiting for approval can be sent back."))
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the author what to change.")})
    text_validate(reason, field="reason", max_length=500)
    message.state = AlertMessage.State.DRAFT
    message.save(update_fields=["state"])
    audit_record(
        actor=actor,
        obj=alert,
        action="alerts.return",
        changes={"message": (message.identifier, reason.strip()[:500])},
    )
    if alert.state == Alert.State.PENDING:
        _state_set(alert, Alert.State.DRAFT, actor=actor, action="alerts.return")
    return message


@transaction.atomic
def alert_approve(*, actor: User, message: AlertMessage, version: str) -> AlertMessage:
    """Pending → published (an Alert message) or updated (an Update): the second person
    approves what they reviewed, and it goes out.

    ``version`` is the ``message_version`` the approver was shown. Refuses
    (``PermissionDenied``) anyone without the Alert approver role and the message's
    author, whatever the path. Refuses (``ValidationError``) a message that is not waiting
    for approval, whose alert ended meanwhile, or that holds control characters; and
    (``StaleApproval``) a message that is no longer ``version``. Locks the alert row, so
    two approvers clicking at once publish it once, and the version is compared with the
    row as it is under that lock. The fan-out to subscribers is enqueued on commit.

    A Cancel message waiting for approval (the canceller's note, see ``alert_cancel``)
    goes out on its cancelled alert, which stays cancelled.
    """
    if not is_alert_approver(actor):
        raise PermissionDenied(_("Only staff with the Alert approver role can approve alerts."))
    alert, message = _lock_message(message)
    if message.author_id == actor.pk:
        raise PermissionDenied(
            _("You wrote this message, so someone else must approve it (the two-person rule).")
        )
    if message.state != AlertMessage.State.PENDING:
        raise ValidationError(
            _("Only a message waiting for approval can be approved; this one is “%(state)s”.")
            % {"state": message.get_state_display()}
        )
    is_cancel = message.msg_type == MsgType.CANCEL
    if alert.state == Alert.State.EXPIRED or (
        alert.state == Alert.State.CANCELLED and not is_cancel
    ):
        raise ValidationError(_("This alert has ended; its messages can no longer go out."))
    if not str(version or "").strip():
        raise ValidationError(
            {
                "version": _(
                    "Say which version you reviewed: approve from the review screen, which "
                    "shows exactly what goes out."
                )
            }
        )
    message.alert = alert
    if version.strip() != message_version(message):
        raise StaleApproval(
            _(
                "This message changed since you opened it for review. Nothing was sent: "
                "review it again, then approve what you see."
            ),
            code="stale",
        )
    now = timezone.now()
    if not is_cancel and message.expires <= now:
        raise ValidationError(
            _("This message expired while it waited. Send it back so its author can fix it.")
        )
    try:
        for name in (*TEXT_FIELDS, "note"):
            reject_control_characters(getattr(message, name))
    except ValidationError:
        raise ValidationError(
            _(
                "This message holds invisible control characters. Send it back so its author "
                "can remove them."
            )
        ) from None
    message.approver = actor
    message.approved_version = version.strip()
    _publish(alert, message, now=now)
    if is_cancel:
        audit_record(
            actor=actor,
            obj=alert,
            action="alerts.approve",
            changes={"message": ("", message.identifier)},
        )
        _banner_clear_on_commit()
    else:
        new_state = (
            Alert.State.PUBLISHED if message.msg_type == MsgType.ALERT else Alert.State.UPDATED
        )
        _state_set(alert, new_state, actor=actor, action="alerts.approve")
    return message


# --- In force --------------------------------------------------------------------------------


@transaction.atomic
def alert_update(
    *,
    actor: User,
    alert: Alert,
    content: MessageContent,
    note: str = "",
    quoted_report: GroundReport | None = None,
) -> AlertMessage:
    """A new message (msgType Update) for a published alert, sent for approval at once.

    It goes out when a second person approves it (``alert_approve``, published → updated);
    until then the alert stays as it is. ``quoted_report`` (a ground report of this alert)
    is quoted at the end of the description and marked confirmed. Locks the alert row
    before reading its state, so two updates cannot both wait for approval.
    """
    _require_author(actor)
    text_validate(note, field="note", max_length=NOTE_MAX_LENGTH)
    alert = _lock_alert(alert)
    if alert.state not in IN_FORCE:
        raise ValidationError(_("Only a published alert can be updated."))
    if alert.messages.filter(state=AlertMessage.State.PENDING).exists():
        raise ValidationError(_("An update of this alert is already waiting for approval."))
    if quoted_report is not None:
        if quoted_report.alert_id != alert.pk:
            raise ValidationError({"quoted_report": _("That report belongs to another alert.")})
        if quoted_report.triage == GroundReport.Triage.DISMISSED:
            raise ValidationError({"quoted_report": _("A dismissed report cannot be quoted.")})
        if CONTROL_CHARACTERS.search(quoted_report.text):
            raise ValidationError(
                {
                    "quoted_report": _(
                        "That report holds invisible control characters, so it cannot be "
                        "quoted. Write what it says in the description instead."
                    )
                }
            )
        with translation.override(settings.LANGUAGE_CODE):
            quote = _("A resident reports: “%(text)s”") % {"text": quoted_report.text.strip()}
        if quote not in content.description:
            content.description = f"{content.description.rstrip()}\n\n{quote}"
    now = timezone.now()
    content_validate(content, now=now)
    message = _message_create(
        alert, actor=actor, msg_type=MsgType.UPDATE, content=content, note=note
    )
    message.state = AlertMessage.State.PENDING
    message.submitted_at = message.created_at  # sent for approval as it is written
    message.quoted_report = quoted_report
    message.save(update_fields=["state", "submitted_at", "quoted_report"])
    if quoted_report is not None and quoted_report.triage == GroundReport.Triage.NEW:
        report_triage(actor=actor, report=quoted_report, triage=GroundReport.Triage.CONFIRMED)
    audit_record(
        actor=actor,
        obj=alert,
        action="alerts.update",
        changes={"message": ("", message.identifier)},
    )
    return message


# --- The end ---------------------------------------------------------------------------------


@transaction.atomic
def alert_cancel(*, actor: User, alert: Alert, note: str = "") -> AlertMessage:
    """Published or updated → cancelled, in one step (see the module docstring).

    Publishes a Cancel message that references every earlier message, carries the fixed
    all-clear wording in each of the current message's languages and nobody's own words,
    and reaches everyone the earlier messages reached. A message still waiting for
    approval is withdrawn. ``note`` (optional) becomes a further Cancel message waiting for
    a second person's approval. Locks the alert row before reading its state. Returns the
    published Cancel message; its fan-out is enqueued on commit.
    """
    if not (is_alert_author(actor) or is_alert_approver(actor)):
        raise PermissionDenied(_("Only alert authors and approvers can cancel an alert."))
    note = text_validate(note.strip(), field="note", max_length=NOTE_MAX_LENGTH)
    alert = _lock_alert(alert)
    if alert.state not in IN_FORCE:
        raise ValidationError(
            _("Only an alert in force can be cancelled; this one is “%(state)s”.")
            % {"state": alert.get_state_display()}
        )
    alert.messages.filter(state__in=[AlertMessage.State.DRAFT, AlertMessage.State.PENDING]).update(
        state=AlertMessage.State.WITHDRAWN
    )
    current = alert.current_message
    content = MessageContent.from_message(current)
    content.response_type = ResponseType.ALL_CLEAR
    content.urgency = Urgency.PAST
    content.description = _fixed(ALL_CLEAR_DESCRIPTION, settings.LANGUAGE_CODE)
    content.instruction = _fixed(ALL_CLEAR_INSTRUCTION, settings.LANGUAGE_CODE)
    if content.second_language:
        content.second_description = _fixed(ALL_CLEAR_DESCRIPTION, content.second_language)
        content.second_instruction = _fixed(ALL_CLEAR_INSTRUCTION, content.second_language)
    now = timezone.now()
    if content.expires <= now:
        content.expires = now
    message = _message_create(alert, actor=actor, msg_type=MsgType.CANCEL, content=content)
    message.submitted_at = now
    _publish(alert, message, now=now)
    _state_set(alert, Alert.State.CANCELLED, actor=actor, action="alerts.cancel")
    if note:
        content.instruction = note
        if content.second_language:
            content.second_instruction = note
        held = _message_create(
            alert, actor=actor, msg_type=MsgType.CANCEL, content=content, note=note
        )
        held.state = AlertMessage.State.PENDING
        held.submitted_at = now
        held.save(update_fields=["state", "submitted_at"])
        audit_record(
            actor=actor,
            obj=alert,
            action="alerts.cancel_note",
            changes={"message": ("", held.identifier)},
        )
    return message


def alerts_expire(*, now: datetime | None = None) -> int:
    """Published/updated alerts past their expiry → expired. Beat job; safe to run twice.

    The banner does not wait for this: it filters on the expiry time itself. One
    transaction per alert (its row locked, its state read again under the lock), so an
    alert cancelled at the same moment stays cancelled and one slow alert holds no other.
    """
    now = now or timezone.now()
    ids = list(
        Alert.objects.filter(state__in=IN_FORCE, expires_at__lte=now).values_list("pk", flat=True)
    )
    expired = 0
    for pk in ids:
        with transaction.atomic():
            alert = Alert.objects.select_for_update().filter(pk=pk).first()
            if alert is None or alert.state not in IN_FORCE:
                continue
            if alert.expires_at is None or alert.expires_at > now:
                continue
            alert.messages.filter(
                state__in=[AlertMessage.State.DRAFT, AlertMessage.State.PENDING]
            ).update(state=AlertMessage.State.WITHDRAWN)
            _state_set(alert, Alert.State.EXPIRED, actor=None, action="alerts.expire")
            expired += 1
    if expired:
        logger.info("Alerts expired: %d", expired)
    return expired


# --- What the transitions share --------------------------------------------------------------


def _require_author(actor: User) -> None:
    if not is_alert_author(actor):
        raise PermissionDenied(_("Only staff with the Alert author role can write alerts."))


def _lock_alert(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _lock_message(message: AlertMessage) -> tuple[Alert, AlertMessage]:
    """The message's alert, locked, and the message read afresh under that lock."""
    alert = Alert.objects.select_for_update().get(pk=message.alert_id)
    return alert, AlertMessage.objects.get(pk=message.pk)


def cap_sender() -> str:
    return settings.ALERTS_CAP_SENDER or f"alerts@{urlsplit(settings.SITE_URL).hostname}"


def _identifier(alert: Alert, sequence: int) -> str:
    prefix = settings.ALERTS_CAP_IDENTIFIER_PREFIX or (
        f"{urlsplit(settings.SITE_URL).hostname}.alert"
    )
    return f"{prefix}.{alert.pk}.{sequence}"


def _message_create(
    alert: Alert, *, actor: User, msg_type: str, content: MessageContent, note: str = ""
) -> AlertMessage:
    """The alert's next message, in draft. Precondition: the alert row is locked (or new),
    so the sequence number is free."""
    sequence = alert.messages.count() + 1
    message = AlertMessage(
        alert=alert,
        sequence=sequence,
        identifier=_identifier(alert, sequence),
        sender=cap_sender(),
        msg_type=msg_type,
        note=note,
        author=actor,
    )
    _message_write(message, content)
    return message


def _message_write(message: AlertMessage, content: MessageContent) -> None:
    for name in CONTENT_FIELDS:
        value = getattr(content, name)
        setattr(message, name, value if value is not None or name == "onset" else "")
    message.language = settings.LANGUAGE_CODE
    message.save()
    message.areas.set(content.areas)


def _fixed(msgid: str, language: str) -> str:
    with translation.override(language):
        return _(msgid)


def _banner_clear_on_commit() -> None:
    transaction.on_commit(banner_cache_clear)


def _state_set(alert: Alert, state: str, *, actor: User | None, action: str) -> None:
    before = alert.state
    alert.state = state
    alert.updated_at = timezone.now()
    alert.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, obj=alert, action=action, changes={"state": (before, state)})
    _banner_clear_on_commit()


def _publish(alert: Alert, message: AlertMessage, *, now: datetime) -> None:
    """Mark ``message`` sent, point the alert at it, and fan out once committed.
    Precondition: the alert row is locked."""
    earlier = list(
        alert.messages.filter(state=AlertMessage.State.PUBLISHED)
        .exclude(pk=message.pk)
        .order_by("sequence")
    )
    message.references = " ".join(m.cap_reference for m in earlier)
    message.sent = now
    message.approved_at = now
    message.state = AlertMessage.State.PUBLISHED
    message.save(
        update_fields=[
            "references",
            "sent",
            "approved_at",
            "state",
            "approver",
            "approved_version",
        ]
    )
    alert.current_message = message
    if message.msg_type != MsgType.CANCEL:
        alert.headline = message.headline
        alert.severity = message.severity
        alert.expires_at = message.expires
    if alert.first_published_at is None:
        alert.first_published_at = now
    alert.save(
        update_fields=[
            "current_message",
            "headline",
            "severity",
            "expires_at",
            "first_published_at",
        ]
    )
    transaction.on_commit(partial(fan_out_enqueue, message_id=message.pk), robust=True)
