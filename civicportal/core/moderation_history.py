"""A reported item's history told as sentences, for the moderation case's page.

"Chloe H. posted this comment on …", "A resident reported this comment as “Spam or
advertising” on …", "Maya O. hid this comment on …: Advertising is not allowed." — built
from the case's reports and decisions and from the item's audit trail, oldest first.
Reporters are never named; the moderators' decisions are told from their own records, so
the audit entries that mirror them (``moderation.*``) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from civicportal.core.models import Flag, ModerationCase, ModerationDecision

# Audit entries read per item: a page of history, not the whole record.
AUDIT_ENTRIES_SHOWN = 50
# Values longer than this are not quoted in a sentence (the field is named alone).
QUOTED_VALUE_LENGTH = 80

Action = ModerationDecision.Action

# Sentences of decisions by a moderator, with the reason they gave and without one (msgids:
# translated when told).
_DECISIONS = {
    Action.HIDE: (
        gettext_noop("%(moderator)s hid this %(type)s on %(date)s: %(reason)s"),
        gettext_noop("%(moderator)s hid this %(type)s on %(date)s."),
    ),
    Action.RESTORE: (
        gettext_noop("%(moderator)s restored this %(type)s on %(date)s: %(reason)s"),
        gettext_noop("%(moderator)s restored this %(type)s on %(date)s."),
    ),
    Action.WARN: (
        gettext_noop(
            "%(moderator)s hid this %(type)s and warned its author on %(date)s: %(reason)s"
        ),
        gettext_noop("%(moderator)s hid this %(type)s and warned its author on %(date)s."),
    ),
    Action.BLOCK: (
        gettext_noop(
            "%(moderator)s hid this %(type)s and blocked its author on %(date)s: %(reason)s"
        ),
        gettext_noop("%(moderator)s hid this %(type)s and blocked its author on %(date)s."),
    ),
}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    text: str
    # How many reports the sentence tells of (reports in a row for one reason make one).
    reports: int = 0


def _when(moment: datetime) -> str:
    # The date in the language's own format, and a 24-hour time: moderators compare them.
    local = timezone.localtime(moment)
    return _("%(date)s, %(time)s") % {
        "date": formats.date_format(local, "DATE_FORMAT"),
        "time": formats.time_format(local, "H:i"),
    }


def _person(user) -> str:
    """A staff member or resident as moderators know them: their display name, or email."""
    return (user.display_name or user.email) if user is not None else ""


def _reports(flags: list[Flag], type_name: str) -> HistoryEntry:
    """One sentence for reports in a row, for one reason (reporters are never named)."""
    last = flags[-1]
    params = {
        "count": len(flags),
        "type": type_name,
        "reason": last.get_reason_display(),
        "date": _when(last.created_at),
    }
    text = ngettext(
        "A resident reported this %(type)s as “%(reason)s” on %(date)s.",
        "%(count)s residents reported this %(type)s as “%(reason)s”, the last on %(date)s.",
        len(flags),
    )
    return HistoryEntry(at=last.created_at, text=text % params, reports=len(flags))


def _report_runs(flags: list[Flag], others: list[HistoryEntry]) -> list[list[Flag]]:
    """``flags`` (oldest first) cut into runs of one reason with no other event between."""
    moments = sorted(entry.at for entry in others)
    runs: list[list[Flag]] = []
    for flag in flags:
        run = runs[-1] if runs else None
        if (
            run is not None
            and run[-1].reason == flag.reason
            and not any(run[-1].created_at < moment <= flag.created_at for moment in moments)
        ):
            run.append(flag)
        else:
            runs.append([flag])
    return runs


def _decision(decision: ModerationDecision, type_name: str) -> HistoryEntry:
    date = _when(decision.created_at)
    if decision.action == Action.AUTO_HIDE:
        text = _(
            "This %(type)s was hidden on %(date)s, pending review, because several residents "
            "reported it."
        ) % {"type": type_name, "date": date}
        return HistoryEntry(at=decision.created_at, text=text)
    with_reason, without_reason = _DECISIONS[decision.action]
    reason = " ".join(decision.reason.split())
    params = {
        "moderator": _person(decision.moderator) or _("A moderator"),
        "type": type_name,
        "date": date,
        "reason": reason,
    }
    return HistoryEntry(
        at=decision.created_at, text=_(with_reason if reason else without_reason) % params
    )


def _field(model: type[models.Model], name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value(field, value: str) -> str:
    if value in ("", "None"):
        return ""
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    return str(choices.get(value, value))


def _change(model: type[models.Model], name: str, before: str, after: str) -> str:
    """One change in words: "the status from “Submitted” to “Under review”"."""
    field = _field(model, name)
    label = str(field.verbose_name) if field is not None else name.replace("_", " ")
    before, after = _value(field, before), _value(field, after)
    quotable = field is None or not field.is_relation
    if not quotable or len(before) > QUOTED_VALUE_LENGTH or len(after) > QUOTED_VALUE_LENGTH:
        return _("the %(field)s") % {"field": label}
    if not after:
        return _("the %(field)s (cleared)") % {"field": label}
    if not before:
        return _("the %(field)s to “%(after)s”") % {"field": label, "after": after}
    return _("the %(field)s from “%(before)s” to “%(after)s”") % {
        "field": label,
        "before": before,
        "after": after,
    }


def _is_timestamp(model: type[models.Model], name: str) -> bool:
    field = _field(model, name)
    return isinstance(field, models.DateTimeField | models.DateField)


def _audit(entry: LogEntry, target: models.Model, type_name: str) -> HistoryEntry | None:
    action = (entry.additional_data or {}).get("action", "") if entry.additional_data else ""
    if str(action).startswith("moderation."):
        return None  # told by the decision it records
    model = type(target)
    actor = _person(entry.actor)
    date = _when(entry.timestamp)
    if entry.action == LogEntry.Action.CREATE:
        author = _person(target.get_moderation_author()) or actor
        text = (
            _("%(person)s posted this %(type)s on %(date)s.")
            % {"person": author, "type": type_name, "date": date}
            if author
            else _("This %(type)s was posted on %(date)s.") % {"type": type_name, "date": date}
        )
        return HistoryEntry(at=entry.timestamp, text=text)
    person = actor or _("The portal")
    params = {"person": person, "type": type_name, "date": date}
    if entry.action == LogEntry.Action.DELETE:
        return HistoryEntry(
            at=entry.timestamp, text=_("%(person)s deleted this %(type)s on %(date)s.") % params
        )
    changes = {
        name: values
        for name, values in (entry.changes_dict or {}).items()
        if name != "moderation_state" and isinstance(values, list | tuple) and len(values) == 2
    }
    if not changes:
        return None
    deleted = changes.get("deleted_at")
    if deleted and deleted[0] in ("", "None") and deleted[1] not in ("", "None"):
        return HistoryEntry(
            at=entry.timestamp, text=_("%(person)s deleted this %(type)s on %(date)s.") % params
        )
    described = [
        _change(model, name, str(before), str(after))
        for name, (before, after) in changes.items()
        if not _is_timestamp(model, name)
    ]
    if not described:  # only its "edited at" moved: the text itself is not in the trail
        return HistoryEntry(
            at=entry.timestamp, text=_("%(person)s edited this %(type)s on %(date)s.") % params
        )
    return HistoryEntry(
        at=entry.timestamp,
        text=_("%(person)s changed %(changes)s on %(date)s.")
        % {**params, "changes": get_text_list(described, _("and"))},
    )


def moderation_case_history(*, case: ModerationCase) -> list[HistoryEntry]:
    """What happened to the case's item, oldest first, as sentences a moderator can read."""
    type_name = case.content_type.name
    entries = [
        _decision(decision, type_name) for decision in case.decisions.select_related("moderator")
    ]
    target = case.target
    if target is not None:
        audit = LogEntry.objects.get_for_object(target).select_related("actor")
        for entry in audit[:AUDIT_ENTRIES_SHOWN]:
            told = _audit(entry, target, type_name)
            if told is not None:
                entries.append(told)
    flags = list(case.flags.order_by("created_at", "pk"))
    entries += [_reports(run, type_name) for run in _report_runs(flags, entries)]
    # Reports first at one moment: the threshold's hiding comes right after the last one.
    return sorted(entries, key=lambda entry: (entry.at, not entry.reports))
