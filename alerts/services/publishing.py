"""Drafting, approving, updating, cancelling and expiring alerts: the state machine.

Alert:   draft → pending → published → updated (any number of times) → cancelled | expired
Message: draft → pending → published            (a message not yet published is withdrawn
                                                 when its alert is cancelled)

**Two-person rule.** A message becomes public only through ``alert_approve``, which
refuses an actor who is not an Alert approver, and the message's own author, whatever
called it (staff page, API). The database refuses self-approval too
(``alerts_message_no_self_approval``). An *update* is a new message that needs approval
like the first one. The one exception is the one-step cancellation
(``alerts.services.lifecycle.alert_cancel``), which carries only fixed wording.

**Approval is of what was seen.** ``message_version`` is a SHA-256 of every public word
and code of a message (both languages, the note, the areas and their boundaries, the
status ...). The approval screen and the staff API show it with the message; approving
names it, and ``alert_approve`` refuses (``StaleApproval``) when the message is no longer
that version, so a message changed after the approver opened it never goes out unseen.
There is no bulk approval (the admin has none): each approval is of one previewed message.

Every service takes the alert's row lock (``select_for_update``) before reading its state,
so two approvals, an approval and a cancellation, or two updates cannot interleave.

Updating, cancelling and expiring an alert in force: ``alerts.services.lifecycle``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert, AlertMessage, CapStatus, MsgType, ResponseType
from alerts.validators import reject_control_characters
from civicportal.accounts.models import Area, User
from civicportal.accounts.rules import is_alert_approver, is_alert_author
from civicportal.core.audit import audit_record

CONTENT_FIELDS = (
    "category",
    "event",
    "response_type",
    "urgency",
    "severity",
    "certainty",
    "headline",
    "description",
    "instruction",
    "web",
    "contact",
    "onset",
    "expires",
    "second_language",
    "second_event",
    "second_headline",
    "second_description",
    "second_instruction",
    "area_description",
    "polygons",
    "circles",
)


@dataclass
class MessageContent:
    """What one CAP message says and where: everything an author writes."""

    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    expires: datetime
    response_type: str = ResponseType.MONITOR
    web: str = ""
    contact: str = ""
    onset: datetime | None = None
    second_language: str = ""
    second_event: str = ""
    second_headline: str = ""
    second_description: str = ""
    second_instruction: str = ""
    areas: list[Area] = field(default_factory=list)
    area_description: str = ""
    polygons: list = field(default_factory=list)
    circles: list = field(default_factory=list)

    @classmethod
    def from_message(cls, message: AlertMessage) -> MessageContent:
        values = {name: getattr(message, name) for name in CONTENT_FIELDS}
        return cls(**values, areas=list(message.areas.all()))


# The free-text fields of a message, checked for length and control characters.
TEXT_FIELDS = (
    "event",
    "headline",
    "description",
    "instruction",
    "contact",
    "web",
    "area_description",
    "second_event",
    "second_headline",
    "second_description",
    "second_instruction",
)
# Everything public in a message: what ``message_version`` covers (with the areas and the
# alert's status).
VERSION_FIELDS = ("msg_type", "note", "language", *CONTENT_FIELDS)


class StaleApproval(ValidationError):
    """The message changed after the approver reviewed it (the API answers 409)."""


def message_version(message: AlertMessage) -> str:
    """The version of ``message`` an approver reviews: a SHA-256 (hex) of every field that
    reaches the public, its areas (name and boundary) and its alert's status.

    Any change of any of them, by any path, gives another version.
    """

    def plain(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return value

    data = {name: plain(getattr(message, name)) for name in VERSION_FIELDS}
    data["status"] = message.alert.status
    data["areas"] = sorted(
        ([area.pk, area.slug, str(area.name), area.boundary] for area in message.areas.all()),
        key=lambda row: row[0],
    )
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def text_validate(value: str, *, field: str, max_length: int) -> str:
    """One free-text input: no control characters, at most ``max_length`` characters.
    Raises ``ValidationError`` keyed by ``field``."""
    try:
        reject_control_characters(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("Keep this to %(limit)s characters at most (it has %(length)s).")
                % {"limit": max_length, "length": len(value)}
            }
        )
    return value


def cap_sender() -> str:
    return settings.ALERTS_CAP_SENDER or f"alerts@{urlsplit(settings.SITE_URL).hostname}"


def _identifier(alert: Alert, sequence: int) -> str:
    prefix = settings.ALERTS_CAP_IDENTIFIER_PREFIX or (
        f"{urlsplit(settings.SITE_URL).hostname}.alert"
    )
    return f"{prefix}.{alert.pk}.{sequence}"


# --- Checks ----------------------------------------------------------------------------------


def _require_author(actor: User) -> None:
    if not is_alert_author(actor):
        raise PermissionDenied(_("Only staff with the Alert author role can write alerts."))


def _content_validate(content: MessageContent, *, now: datetime, check_expiry: bool = True) -> None:
    """Every rule of a message's content, whatever path it came by (page, API, command).

    ``check_expiry=False`` for a cancellation's message, whose expiry may have passed.
    """
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in TEXT_FIELDS:
        value = str(getattr(content, name) or "")
        try:
            text_validate(
                value, field=name, max_length=AlertMessage._meta.get_field(name).max_length
            )
        except ValidationError as invalid:
            for message in invalid.message_dict[name]:
                error(name, message)
    for name in ("event", "headline", "description", "instruction"):
        if not str(getattr(content, name) or "").strip():
            error(name, _("This is needed in every alert."))
    if content.expires is None:
        error("expires", _("Give the time the alert stops being in force."))
    elif check_expiry and content.expires <= now:
        error("expires", _("The expiry time has already passed. Choose a time in the future."))
    if content.onset and content.expires and content.onset >= content.expires:
        error("onset", _("The onset must come before the expiry time."))
    if not content.areas and not content.polygons and not content.circles:
        error(
            "areas",
            _("Choose at least one area, or draw a polygon or a circle, so residents know where."),
        )
    if (content.polygons or content.circles) and not content.area_description.strip():
        error("area_description", _("Describe the drawn area in words for people."))
    if content.second_language:
        if content.second_language == settings.LANGUAGE_CODE:
            error("second_language", _("The second language must differ from the first."))
        for name in ("second_headline", "second_description", "second_instruction"):
            if not str(getattr(content, name) or "").strip():
                error(name, _("Needed when a second language is chosen."))
    if errors:
        raise ValidationError(errors)


def _lock(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _lock_message(message: AlertMessage) -> tuple[Alert, AlertMessage]:
    alert = Alert.objects.select_for_update().get(pk=message.alert_id)
    return alert, AlertMessage.objects.get(pk=message.pk)


def _message_write(message: AlertMessage, content: MessageContent) -> None:
    for name in CONTENT_FIELDS:
        value = getattr(content, name)
        setattr(message, name, value if value is not None or name == "onset" else "")
    message.language = settings.LANGUAGE_CODE
    message.save()
    message.areas.set(content.areas)


def _new_message(
    alert: Alert, *, actor: User, msg_type: str, content: MessageContent, note: str = ""
) -> AlertMessage:
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


def _after_change(alert: Alert) -> None:
    from alerts.selectors import banner_cache_clear

    transaction.on_commit(banner_cache_clear)


def _set_state(alert: Alert, state: str, *, actor: User | None, action: str) -> None:
    before = alert.state
    alert.state = state
    alert.updated_at = timezone.now()
    alert.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, obj=alert, action=action, changes={"state": (before, state)})
    _after_change(alert)


# --- Drafting --------------------------------------------------------------------------------


@transaction.atomic
def alert_draft_create(
    *, actor: User, content: MessageContent, status: str = CapStatus.ACTUAL
) -> Alert:
    """A new alert in draft, with its first message (msgType Alert) by ``actor``."""
    _require_author(actor)
    if status not in CapStatus.values:
        raise ValidationError({"status": _("Choose Actual, Exercise or Test.")})
    now = timezone.now()
    _content_validate(content, now=now)
    alert = Alert.objects.create(
        status=status,
        headline=content.headline,
        severity=content.severity,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _new_message(alert, actor=actor, msg_type=MsgType.ALERT, content=content)
    audit_record(actor=actor, obj=alert, action="alerts.draft", changes={"state": ("", "draft")})
    return alert


@transaction.atomic
def alert_draft_update(
    *, actor: User, message: AlertMessage, content: MessageContent
) -> AlertMessage:
    """Change a draft message. Only its author may: an approver must never approve words
    they wrote, so nobody else writes into someone's draft."""
    _require_author(actor)
    _alert, message = _lock_message(message)
    if message.state != AlertMessage.State.DRAFT:
        raise ValidationError(
            _("Only a draft can be changed; this message is “%(state)s”.")
            % {"state": message.get_state_display()}
        )
    if message.author_id != actor.pk:
        raise PermissionDenied(_("Only the author of a draft can change it."))
    _content_validate(content, now=timezone.now(), check_expiry=message.msg_type != MsgType.CANCEL)
    _message_write(message, content)
    if message.msg_type == MsgType.ALERT:
        Alert.objects.filter(pk=message.alert_id).update(
            headline=content.headline, severity=content.severity, updated_at=timezone.now()
        )
    return message


@transaction.atomic
def alert_submit_for_approval(*, actor: User, message: AlertMessage) -> AlertMessage:
    """Draft → pending. The author asks a second person to approve it."""
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
    _content_validate(
        MessageContent.from_message(message), now=timezone.now(), check_expiry=not is_cancel
    )
    message.state = AlertMessage.State.PENDING
    message.submitted_at = timezone.now()
    message.save(update_fields=["state", "submitted_at"])
    if alert.state == Alert.State.DRAFT:
        _set_state(alert, Alert.State.PENDING, actor=actor, action="alerts.submit")
    return message


@transaction.atomic
def alert_return_to_author(*, actor: User, message: AlertMessage, reason: str) -> AlertMessage:
    """Pending → draft: an approver sends the message back with a reason (kept in the
    audit trail); the author can change it and submit it again."""
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
        _set_state(alert, Alert.State.DRAFT, actor=actor, action="alerts.return")
    return message


# --- Publishing ------------------------------------------------------------------------------


def _publish(alert: Alert, message: AlertMessage, *, now: datetime) -> None:
    """Mark ``message`` sent, point the alert at it, and fan out once committed."""
    from alerts.services.fanout import fan_out_enqueue

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


@transaction.atomic
def alert_approve(*, actor: User, message: AlertMessage, version: str) -> AlertMessage:
    """Pending → published: the second person approves what they reviewed, and it goes out.

    ``version`` is the ``message_version`` the approver was shown. Refuses
    (``PermissionDenied``) anyone without the Alert approver role and the message's
    author, whatever the path. Refuses (``ValidationError``) a message that is not waiting
    for approval, whose alert ended meanwhile, or that holds control characters; and
    (``StaleApproval``) a message that is no longer ``version``. Locks the alert row, so
    two approvers clicking at once publish it once, and the version is compared with the
    row as it is under that lock. The fan-out to subscribers is enqueued on commit.

    A Cancel message waiting for approval (the canceller's note, see
    ``alerts.services.lifecycle``) goes out on its cancelled alert, which stays cancelled.
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
        _after_change(alert)
    else:
        new_state = (
            Alert.State.PUBLISHED if message.msg_type == MsgType.ALERT else Alert.State.UPDATED
        )
        _set_state(alert, new_state, actor=actor, action="alerts.approve")
    return message
