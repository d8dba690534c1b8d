"""An alert in force: its updates, its cancellation, its expiry.

An update is a new message (msgType Update) that needs approval like the first one
(``alerts.services.publishing``).

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
approval** (the same review, version and two-person rule as any message, see
``alerts.services.publishing``); once approved it goes out to the same people as a further
all-clear, and the alert stays cancelled.

Every service takes the alert's row lock (``select_for_update``) before reading its state,
so two approvals, an approval and a cancellation, or two updates cannot interleave.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alerts.models import Alert, AlertMessage, GroundReport, MsgType, ResponseType, Urgency
from alerts.services.publishing import (
    MessageContent,
    _content_validate,
    _lock,
    _new_message,
    _publish,
    _require_author,
    _set_state,
    text_validate,
)
from alerts.validators import CONTROL_CHARACTERS
from civicportal.accounts.models import User
from civicportal.accounts.rules import is_alert_approver, is_alert_author
from civicportal.core.audit import audit_record

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


def _fixed(msgid: str, language: str) -> str:
    with translation.override(language):
        return _(msgid)


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

    It goes out when a second person approves it (``alert_approve``); until then the
    alert stays as it is. ``quoted_report`` (a ground report of this alert) is quoted at
    the end of the description and marked confirmed.
    """
    _require_author(actor)
    text_validate(note, field="note", max_length=NOTE_MAX_LENGTH)
    alert = _lock(alert)
    if alert.state not in (Alert.State.PUBLISHED, Alert.State.UPDATED):
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
    _content_validate(content, now=now)
    message = _new_message(alert, actor=actor, msg_type=MsgType.UPDATE, content=content, note=note)
    message.state = AlertMessage.State.PENDING
    message.submitted_at = message.created_at  # sent for approval as it is written
    message.quoted_report = quoted_report
    message.save(update_fields=["state", "submitted_at", "quoted_report"])
    if quoted_report is not None and quoted_report.triage == GroundReport.Triage.NEW:
        from alerts.services.residents import report_triage

        report_triage(actor=actor, report=quoted_report, triage=GroundReport.Triage.CONFIRMED)
    audit_record(
        actor=actor,
        obj=alert,
        action="alerts.update",
        changes={"message": ("", message.identifier)},
    )
    return message


@transaction.atomic
def alert_cancel(*, actor: User, alert: Alert, note: str = "") -> AlertMessage:
    """Published or updated → cancelled, in one step (see the module docstring).

    Publishes a Cancel message that references every earlier message, carries the fixed
    all-clear wording in each of the current message's languages and nobody's own words,
    and reaches everyone the earlier messages reached. A message still waiting for
    approval is withdrawn. ``note`` (optional) becomes a further Cancel message waiting for
    a second person's approval. Returns the published Cancel message.
    """
    if not (is_alert_author(actor) or is_alert_approver(actor)):
        raise PermissionDenied(_("Only alert authors and approvers can cancel an alert."))
    note = text_validate(note.strip(), field="note", max_length=NOTE_MAX_LENGTH)
    alert = _lock(alert)
    if alert.state not in (Alert.State.PUBLISHED, Alert.State.UPDATED):
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
    message = _new_message(alert, actor=actor, msg_type=MsgType.CANCEL, content=content)
    message.submitted_at = now
    _publish(alert, message, now=now)
    _set_state(alert, Alert.State.CANCELLED, actor=actor, action="alerts.cancel")
    if note:
        content.instruction = note
        if content.second_language:
            content.second_instruction = note
        held = _new_message(alert, actor=actor, msg_type=MsgType.CANCEL, content=content, note=note)
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


# --- Expiry ----------------------------------------------------------------------------------


def alerts_expire(*, now: datetime | None = None) -> int:
    """Published/updated alerts past their expiry → expired. Beat job; safe to run twice.

    The banner does not wait for this: it filters on the expiry time itself. One
    conditional UPDATE per alert (under its lock), so an alert cancelled at the same
    moment stays cancelled.
    """
    now = now or timezone.now()
    ids = list(
        Alert.objects.filter(
            state__in=[Alert.State.PUBLISHED, Alert.State.UPDATED], expires_at__lte=now
        ).values_list("pk", flat=True)
    )
    expired = 0
    for pk in ids:
        with transaction.atomic():
            alert = Alert.objects.select_for_update().filter(pk=pk).first()
            if alert is None or alert.state not in (Alert.State.PUBLISHED, Alert.State.UPDATED):
                continue
            if alert.expires_at is None or alert.expires_at > now:
                continue
            alert.messages.filter(
                state__in=[AlertMessage.State.DRAFT, AlertMessage.State.PENDING]
            ).update(state=AlertMessage.State.WITHDRAWN)
            _set_state(alert, Alert.State.EXPIRED, actor=None, action="alerts.expire")
            expired += 1
    if expired:
        logger.info("Alerts expired: %d", expired)
    return expired
