"""The alerts module's staff roles, registered from ``AlertsConfig.ready()``
(``civicportal.accounts.roles``); ``rules.py`` says what each may do. Two roles, because an
alert is approved by someone other than its author (the two-person rule)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicportal.accounts import roles

ALERT_AUTHOR = "Alert author"
ALERT_APPROVER = "Alert approver"


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
