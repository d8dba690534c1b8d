"""The dashboard's figures and charts in templates: ``{% load audience_tags %}``."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from civicportal.audience import charts
from civicportal.audience.selectors import Figure, ProfileTable, TimeTable

register = template.Library()


def _hidden_text(minimum: int) -> str:
    return _("fewer than %(minimum)s") % {"minimum": minimum}


@register.simple_tag
def figure(value: Figure, minimum: int) -> str:
    """A count, or "fewer than 10" for a hidden one."""
    return _hidden_text(minimum) if value.hidden else number_format(value.count)


@register.simple_tag
def percent(value: float | None) -> str:
    return "\u2013" if value is None else f"{number_format(value, 1)}%"


@register.simple_tag
def profile_chart(table: ProfileTable, minimum: int) -> charts.Chart:
    """Per answer: the share of participants, and under it the share of the population."""
    rows = []
    for row in table.rows:
        participants_text = (
            _hidden_text(minimum) if row.share is None else f"{number_format(row.share, 1)}%"
        )
        population_text = (
            _("no population figure")
            if row.population_share is None
            else _("population %(share)s%%") % {"share": number_format(row.population_share, 1)}
        )
        rows.append(
            (
                row.label,
                [(row.share, participants_text), (row.population_share, population_text)],
            )
        )
    return charts.paired_bars(rows, scale=100)


@register.simple_tag
def time_chart(table: TimeTable, minimum: int) -> charts.Chart:
    """Per period: the table's total (hidden totals get no bar)."""
    shown = [table.period_totals[p].count or 0 for p in table.periods]
    rows = [
        (
            period.isoformat(),
            [
                (
                    table.period_totals[period].count,
                    figure(table.period_totals[period], minimum),
                )
            ],
        )
        for period in table.periods
    ]
    return charts.paired_bars(rows, scale=max(shown, default=0))
