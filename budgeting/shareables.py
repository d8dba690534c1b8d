"""Budget results the council can announce on its social accounts, once published (the
registry is civicportal/core/shareables.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicportal.core.shareables import Source, SourceItem, register, short


def _processes_with_results():
    from budgeting.models import BudgetProcess

    return BudgetProcess.objects.filter(
        state__in=[BudgetProcess.State.RESULTS, BudgetProcess.State.IMPLEMENTATION],
        results_published_at__isnull=False,
    )


def _budget_item(process) -> SourceItem:
    return SourceItem(
        kind="budgeting.results",
        pk=process.pk,
        title=process.title,
        url=reverse("budgeting:results", kwargs={"slug": process.slug}),
        description=short(process.description),
        text=_("The votes are counted: see which projects “%(title)s” will fund.")
        % {"title": process.title},
        when=process.results_published_at,
    )


def _budget_recent(limit: int) -> list[SourceItem]:
    rows = _processes_with_results().order_by("-results_published_at")[:limit]
    return [_budget_item(process) for process in rows]


def _budget_get(pk: int) -> SourceItem | None:
    process = _processes_with_results().filter(pk=pk).first()
    return _budget_item(process) if process else None


def register_shareables() -> None:
    """Called from the app's ``ready()``."""
    register(
        Source(
            kind="budgeting.results",
            label=gettext_lazy("Budget results"),
            recent=_budget_recent,
            get=_budget_get,
            order=40,
        )
    )
