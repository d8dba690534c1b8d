"""The dashboard as CSV: the same figures as the page, hidden ones as "fewer than N"."""

from __future__ import annotations

from django.utils.translation import gettext as _

from civicportal.audience.selectors import Dashboard, Figure, source_label
from civicportal.kernel.csv_export import csv_writer


def _cell(figure: Figure, minimum: int):
    return _("fewer than %(minimum)s") % {"minimum": minimum} if figure.hidden else figure.count


def _number(value) -> object:
    return "" if value is None else value


def dashboard_csv_write(dashboard: Dashboard, file) -> None:
    """One row per figure: section, row, column, value (the page's tables, flattened)."""
    writer = csv_writer(file)
    minimum = dashboard.minimum
    filters = dashboard.filters
    writer.writerow([_("section"), _("row"), _("column"), _("value")])
    writer.writerow([_("filters"), _("from"), "", filters.date_from.isoformat()])
    writer.writerow([_("filters"), _("to"), "", filters.date_to.isoformat()])
    writer.writerow(
        [
            _("filters"),
            _("source"),
            "",
            _("every source") if filters.source is None else source_label(filters.source),
        ]
    )
    writer.writerow([_("filters"), _("module"), "", filters.module or _("every module")])
    for table in dashboard.profile_tables:
        section = str(table.question.display_label)
        for row in table.rows:
            writer.writerow(
                [section, row.label, _("participants"), _cell(row.participants, minimum)]
            )
            writer.writerow(
                [section, row.label, _("share of participants (%)"), _number(row.share)]
            )
            writer.writerow([section, row.label, _("population"), _number(row.population)])
            writer.writerow(
                [section, row.label, _("share of population (%)"), _number(row.population_share)]
            )
            writer.writerow([section, row.label, _("difference (points)"), _number(row.difference)])
        writer.writerow([section, _("Answered"), _("participants"), _cell(table.answered, minimum)])
        writer.writerow(
            [section, _("Prefer not to say"), _("participants"), _cell(table.declined, minimum)]
        )
        writer.writerow(
            [section, _("Not answered"), _("participants"), _cell(table.unanswered, minimum)]
        )
        writer.writerow([section, _("Total"), _("participants"), _cell(table.total, minimum)])
    for table in dashboard.time_tables:
        for period in table.periods:
            for source in table.sources:
                writer.writerow(
                    [
                        table.title,
                        period.isoformat(),
                        source_label(source),
                        _cell(table.cells[(period, source)], minimum),
                    ]
                )
            writer.writerow(
                [
                    table.title,
                    period.isoformat(),
                    _("Total"),
                    _cell(table.period_totals[period], minimum),
                ]
            )
        for source in table.sources:
            writer.writerow(
                [
                    table.title,
                    _("Total"),
                    source_label(source),
                    _cell(table.source_totals[source], minimum),
                ]
            )
        writer.writerow([table.title, _("Total"), _("Total"), _cell(table.total, minimum)])
