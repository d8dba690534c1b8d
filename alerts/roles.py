"""The alerts module's staff roles, registered from ``AlertsConfig.ready()``
(``civicportal.accounts.roles``); ``rules.py`` says what each may do. Two roles, because an
alert is approved by someone other than its author (the two-person rule)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicportal.accounts import roles

ALERT_AUTHOR = "Alert author"
ALERT_APPROVER = "Alert approver"
# Rumour control: writes fact checks, publishes standalone ones, answers residents.
FACTCHECK_EDITOR = "Fact-check editor"


def register_roles() -> None:
    roles.register(
        ALERT_AUTHOR,
        description=_("Drafts emergency alerts, updates and cancellations."),
        app_label="alerts",
    )
    roles.register(
        ALERT_APPROVER,
        description=_("Approves alerts drafted by someone else (two-person rule)."),
        app_label="alerts",
    )
    roles.register(
        FACTCHECK_EDITOR,
        description=_(
            "Writes fact checks and answers residents' questions; publishes fact checks "
            "not tied to an incident (those tied to one need an Alert approver)."
        ),
        app_label="alerts",
    )
