"""The alerts module's staff screens, linked from the admin's index, side menu and the pages
of alerts and their messages (``civicportal.core.staff_screens``). Each one asks the
permission its view asks, so a link never leads to a refusal."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, AlertMessage, FactCheck
from civicportal.core import staff_screens


def _draft_url(message: AlertMessage) -> str | None:
    if message.state != AlertMessage.State.DRAFT:
        return None
    return reverse("alerts:staff-draft-update", args=[message.pk])


def _approval_url(message: AlertMessage) -> str | None:
    if message.state != AlertMessage.State.PENDING:
        return None
    return reverse("alerts:staff-approve", args=[message.pk])


def register_staff_screens() -> None:
    alert_models = ("alerts.alert", "alerts.alertmessage")
    staff_screens.register(
        app_label="alerts",
        key="alerts.desk",
        label=_("Alert desk"),
        description=_("Draft alerts, send them for approval, approve, update and cancel them."),
        url_name="alerts:staff-list",
        permission="alerts.view_alert",
        models=alert_models,
        order=10,
    )
    staff_screens.register(
        app_label="alerts",
        key="alerts.draft",
        label=_("Draft a new alert"),
        description=_("A second person approves it before anyone receives it."),
        url_name="alerts:staff-draft-create",
        permission="alerts.draft_alert",
        models=alert_models,
        order=20,
    )
    staff_screens.register(
        app_label="alerts",
        key="alerts.reports",
        label=_("Reports from the ground"),
        description=_("Confirm or dismiss what residents report during an alert."),
        url_name="alerts:staff-reports",
        permission="alerts.triage_groundreport",
        models=("alerts.groundreport",),
        order=30,
    )
    staff_screens.register_for_object(
        model="alerts.alert",
        key="alerts.alert-desk",
        label=_("Open on the alert desk"),
        url=Alert.get_staff_url,
        permission="alerts.view_alert",
    )
    staff_screens.register_for_object(
        model="alerts.alertmessage",
        key="alerts.message-approve",
        label=_("Review and approve"),
        url=_approval_url,
        permission="alerts.approve_alert",
        order=10,
    )
    staff_screens.register_for_object(
        model="alerts.alertmessage",
        key="alerts.message-draft",
        label=_("Change the draft"),
        url=_draft_url,
        permission="alerts.draft_alert",
        order=20,
    )
    staff_screens.register_for_object(
        model="alerts.alertmessage",
        key="alerts.message-desk",
        label=_("Open on the alert desk"),
        url=lambda message: reverse("alerts:staff-alert", args=[message.alert_id]),
        permission="alerts.view_alert",
        order=30,
    )


def register_factcheck_staff_screens() -> None:
    """Rumour control (``alerts.views.factchecks``): the desk with its queues."""
    staff_screens.register(
        app_label="alerts",
        key="alerts.rumours",
        label=_("Rumour control desk"),
        description=_("Residents' questions waiting, fact checks waiting for approval, drafts."),
        url_name="alerts:staff-rumours",
        permission="alerts.view_factcheck",
        models=("alerts.factcheck", "alerts.factcheckquestion"),
        order=40,
    )
    staff_screens.register_for_object(
        model="alerts.factcheck",
        key="alerts.factcheck-desk",
        label=_("Open on the rumour control desk"),
        url=FactCheck.get_staff_url,
        permission="alerts.view_factcheck",
    )


def register_volunteer_screens() -> None:
    """Volunteer call-outs: the list of call-outs with their rosters, and each alert's
    form to post one."""
    staff_screens.register(
        app_label="alerts",
        key="alerts.callouts",
        label=_("Volunteer call-outs"),
        description=_("Call volunteers out for an incident, follow the roster, stand down."),
        url_name="alerts:staff-callout-list",
        permission="alerts.view_callout",
        models=("alerts.callout", "alerts.calloutresponse"),
        order=40,
    )
    staff_screens.register_for_object(
        model="alerts.alert",
        key="alerts.callout-post",
        label=_("Call out volunteers"),
        url=lambda alert: reverse("alerts:staff-callout-create", args=[alert.pk]),
        permission="alerts.post_callout",
        order=20,
    )
    staff_screens.register_for_object(
        model="alerts.callout",
        key="alerts.callout-roster",
        label=_("Open the roster"),
        url=lambda callout: reverse("alerts:staff-callout", args=[callout.pk]),
        permission="alerts.view_callout",
    )
