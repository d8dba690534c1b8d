"""Staff roles. Each role is a Django group of the same name; rules.py decides what it may do.

Group names are stable identifiers (rules refer to them); the verbose names are translated
for the admin.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MODERATOR = "Moderator"
BUDGET_OFFICER = "Budget officer"
CONSULTATION_MANAGER = "Consultation manager"
ALERT_AUTHOR = "Alert author"
ALERT_APPROVER = "Alert approver"
ADMINISTRATOR = "Administrator"

ROLES = {
    MODERATOR: _("Moderates comments, flags and ideas; sets idea statuses."),
    BUDGET_OFFICER: _("Runs participatory-budgeting processes and enters paper ballots."),
    CONSULTATION_MANAGER: _("Builds consultations and publishes their results."),
    ALERT_AUTHOR: _("Drafts emergency alerts, updates and cancellations."),
    ALERT_APPROVER: _("Approves alerts drafted by someone else (two-person rule)."),
    ADMINISTRATOR: _("Manages accounts, areas, roles and residency verification."),
}


def ensure_role_groups() -> None:
    """Create the role groups if missing. Safe to run any number of times."""
    from django.contrib.auth.models import Group

    for name in ROLES:
        Group.objects.get_or_create(name=name)
