"""Who may do what with alerts (django-rules).

Authors draft, submit, update and cancel; approvers approve messages someone else wrote
(the two-person rule: ``services.alert_approve`` refuses self-approval whatever the path,
and the database refuses it too). Every rule has a role test in tests/alerts/test_rules.py.
"""

from __future__ import annotations

import rules

from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR, FACTCHECK_EDITOR
from civicportal.accounts.rules import has_role, is_administrator

is_alert_author = has_role(ALERT_AUTHOR)
is_alert_approver = has_role(ALERT_APPROVER)
is_alert_staff = is_alert_author | is_alert_approver
is_factcheck_editor = has_role(FACTCHECK_EDITOR)


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def is_not_author(user, message) -> bool:
    """The message (or the alert's message waiting for approval) was written by someone else."""
    if message is None:
        return True
    if hasattr(message, "pending_message"):  # an Alert
        message = message.pending_message()
        if message is None:
            return True
    return message.author_id is None or message.author_id != user.pk


@rules.predicate
def alert_is_in_force(user, alert) -> bool:
    return alert is not None and alert.is_in_force and not alert.is_exercise


@rules.predicate
def is_own(user, obj) -> bool:
    """``obj`` (a volunteer registration or answer) is ``user``'s."""
    return obj is not None and getattr(obj, "user_id", None) == user.pk


# Staff.
rules.add_perm("alerts.draft_alert", is_alert_author)
rules.add_perm("alerts.update_alert", is_alert_author)
rules.add_perm("alerts.cancel_alert", is_alert_author | is_alert_approver)
rules.add_perm("alerts.approve_alert", is_alert_approver & is_not_author)
rules.add_perm("alerts.view_delivery", is_alert_staff)
rules.add_perm("alerts.triage_groundreport", is_alert_staff)

# Residents.
rules.add_perm("alerts.subscribe_alerts", is_signed_in)
# Anyone may report from the ground, with or without an account: reports are rate limited
# and held for triage (alerts.services.report_create).
rules.add_perm("alerts.report_groundreport", alert_is_in_force)

# The admin: alert staff see the screens; nobody edits published history there.
rules.add_perm("alerts", is_alert_staff | is_factcheck_editor | is_administrator)
for _model in ("alert", "alertmessage", "groundreport"):
    rules.add_perm(f"alerts.view_{_model}", is_alert_staff)
rules.add_perm("alerts.add_alert", is_alert_author)
rules.add_perm("alerts.change_alertmessage", is_alert_author)
rules.add_perm("alerts.change_groundreport", is_alert_staff)
rules.add_perm("alerts.view_alertsubscription", is_administrator)

# Rumour control (alerts.services.factchecks): the incident's fact checks follow the
# two-person rule of alert text; standalone ones are published by a Fact-check editor.
is_factcheck_staff = is_factcheck_editor | is_alert_staff
rules.add_perm("alerts.draft_factcheck", is_factcheck_editor | is_alert_author)
rules.add_perm("alerts.publish_factcheck", is_factcheck_editor)
rules.add_perm("alerts.approve_factcheck", is_alert_approver & is_not_author)
rules.add_perm("alerts.answer_factcheckquestion", is_factcheck_staff)
rules.add_perm("alerts.ask_factcheckquestion", is_signed_in)
rules.add_perm("alerts.view_factcheck", is_factcheck_staff)
rules.add_perm("alerts.view_factcheckquestion", is_factcheck_staff)
# Volunteer call-outs: authors post and stand down, alert staff see rosters and check
# people in and out; residents keep their own register entry and answer call-outs
# (alerts.services.volunteers checks they are among the volunteers it reaches).
rules.add_perm("alerts.post_callout", is_alert_author)
rules.add_perm("alerts.standdown_callout", is_alert_author)
rules.add_perm("alerts.view_callout", is_alert_staff)
rules.add_perm("alerts.checkin_callout", is_alert_staff)
rules.add_perm("alerts.register_volunteer", is_signed_in)
rules.add_perm("alerts.respond_callout", is_signed_in)
# A resident's own register entry and answers; staff read answers on the roster.
rules.add_perm("alerts.change_volunteerregistration", is_signed_in & is_own)
rules.add_perm("alerts.view_calloutresponse", is_alert_staff | (is_signed_in & is_own))
# The admin: call-outs and answers are read there; skills are kept there.
rules.add_perm("alerts.view_volunteerregistration", is_administrator)
for _verb in ("view", "add", "change"):
    rules.add_perm(f"alerts.{_verb}_skill", is_alert_staff)
