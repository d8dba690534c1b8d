"""The budgeting module's staff screens, linked from the admin's index, side menu and each
budget process's admin page (``civicportal.core.staff_screens``). Each one asks the
permission its view asks, so a link never leads to a refusal."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from budgeting.models import BudgetProcess
from civicportal.core import staff_screens


def _conflicts_url(process: BudgetProcess) -> str | None:
    # Online and paper ballots of one voter can only meet once voting has opened.
    if process.state not in (BudgetProcess.State.VOTING, BudgetProcess.State.CLOSED):
        return None
    return reverse("admin:budgeting_budgetprocess_conflicts", args=[process.pk])


def register_staff_screens() -> None:
    staff_screens.register(
        app_label="budgeting",
        key="budgeting.import",
        label=_("Import a Pabulib file"),
        description=_("A closed budget vote from elsewhere or from an earlier year, with ballots."),
        url_name="admin:budgeting_budgetprocess_import",
        permission="budgeting.import_process",
        models=("budgeting.budgetprocess",),
    )
    staff_screens.register_for_object(
        model="budgeting.budgetprocess",
        key="budgeting.paper-ballots",
        label=_("Enter paper ballots"),
        url=lambda process: reverse("admin:budgeting_budgetprocess_paper", args=[process.pk]),
        permission="budgeting.enter_paper_ballot",
        order=10,
    )
    staff_screens.register_for_object(
        model="budgeting.budgetprocess",
        key="budgeting.conflicts",
        label=_("Paper and online ballot conflicts"),
        url=_conflicts_url,
        permission="budgeting.view_budgetprocess",
        order=20,
    )
