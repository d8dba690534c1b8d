"""The budgeting module's staff role, registered from ``BudgetingConfig.ready()``
(``civicportal.accounts.roles``); ``rules.py`` says what it may do."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicportal.accounts import roles

BUDGET_OFFICER = "Budget officer"


def register_roles() -> None:
    roles.register(
        BUDGET_OFFICER,
        description=_("Runs participatory-budgeting processes and enters paper ballots."),
        app_label="budgeting",
    )
