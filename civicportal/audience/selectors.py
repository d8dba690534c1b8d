"""Reads of who takes part: the dashboard's figures, already suppressed.

Every figure about people leaves here as a ``Figure``: a count, or hidden ("fewer than
10") by ``suppression``. The page, its charts and the CSV all render these, so none can
show what another hides. Visit counters are anonymous page-view counts, not people, and
are shown as counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.apps import apps
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import Area
from civicportal.audience import sources
from civicportal.audience.models import (
    Participation,
    PopulationFigure,
    ProfileAnswer,
    ProfileQuestion,
    SourceVisit,
)
from civicportal.audience.suppression import Line, min_group, suppressed_keys

SIGNUP_MODULE = "accounts"
SIGNUP_ACTION = "signup"
DIRECT = sources.DIRECT  # the filter's and the tables' name for "" (no source link)


@dataclass(frozen=True)
class Figure:
    count: int | None  # None: hidden, a group under the threshold or giving one away

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    source: str | None = None  # None: every source; "" direct visits only
    module: str | None = None
    period: str = "month"


def module_choices() -> list[tuple[str, str]]:
    """The modules residents took part in so far (app label, the app's name)."""
    labels = Participation.objects.values_list("module", flat=True).distinct().order_by("module")
    choices = []
    for label in labels:
        try:
            name = apps.get_app_config(label).verbose_name
        except LookupError:
            name = label
        choices.append((label, str(name)))
    return choices


def source_label(source: str) -> str:
    return source if source else str(_("Direct (no source link)"))


def participations(filters: Filters) -> QuerySet[Participation]:
    rows = Participation.objects.filter(day__gte=filters.date_from, day__lte=filters.date_to)
    if filters.source is not None:
        rows = rows.filter(source=filters.source)
    return rows


def _taking_part(filters: Filters) -> QuerySet[Participation]:
    """Participations in the modules filtered on, sign-ups apart."""
    rows = participations(filters).exclude(module=SIGNUP_MODULE, action=SIGNUP_ACTION)
    if filters.module:
        rows = rows.filter(module=filters.module)
    return rows


# --- Who: participants per answer, against the population ----------------------------------


@dataclass
class ProfileRow:
    label: str
    participants: Figure
    share: float | None = None  # of the participants who answered, 0..100
    population: int | None = None
    population_share: float | None = None
    difference: float | None = None  # percentage points, participants minus population


@dataclass
class ProfileTable:
    question: ProfileQuestion
    rows: list[ProfileRow] = field(default_factory=list)  # the answers offered
    declined: Figure = Figure(None)
    unanswered: Figure = Figure(None)
    answered: Figure = Figure(None)
    total: Figure = Figure(None)
    population_total: int = 0
    population_notes: list[str] = field(default_factory=list)


def _options(question: ProfileQuestion) -> list[tuple[str, str]]:
    """(key, label) of each answer offered; keys "c<id>" for choices, "a<id>" for areas."""
    if question.kind == ProfileQuestion.Kind.AREAS:
        return [(f"a{area.pk}", area.name) for area in Area.objects.order_by("name")]
    return [(f"c{choice.pk}", str(choice.display_label)) for choice in question.choices.all()]


def profile_table(question: ProfileQuestion, filters: Filters, *, minimum: int) -> ProfileTable:
    people = _taking_part(filters).values("user_id")
    total = _taking_part(filters).values("user_id").distinct().count()
    counted = (
        ProfileAnswer.objects.filter(question=question, user_id__in=people)
        .values("choice_id", "area_id", "declined")
        .annotate(n=Count("user_id", distinct=True))
    )
    options = _options(question)
    values = {key: 0 for key, _label in options}
    declined = 0
    for row in counted:
        if row["declined"]:
            declined += row["n"]
        else:
            key = f"c{row['choice_id']}" if row["choice_id"] else f"a{row['area_id']}"
            if key in values:
                values[key] += row["n"]
    answered = sum(values.values())
    values.update(
        {
            "answered": answered,
            "declined": declined,
            "unanswered": max(total - answered - declined, 0),
            "total": total,
        }
    )
    lines = [
        Line(total="answered", cells=tuple(key for key, _label in options)),
        Line(total="total", cells=("answered", "declined", "unanswered")),
    ]
    hidden = suppressed_keys(values, lines, minimum=minimum)

    def figure(key: str) -> Figure:
        return Figure(None if key in hidden else values[key])

    figures = PopulationFigure.objects.filter(question=question)
    population = {
        (f"c{item.choice_id}" if item.choice_id else f"a{item.area_id}"): item for item in figures
    }
    population_total = sum(item.count for item in population.values())
    table = ProfileTable(
        question=question,
        declined=figure("declined"),
        unanswered=figure("unanswered"),
        answered=figure("answered"),
        total=figure("total"),
        population_total=population_total,
        population_notes=sorted(
            {
                " ".join(filter(None, [item.source_note, item.as_of and item.as_of.isoformat()]))
                for item in population.values()
                if item.source_note or item.as_of
            }
        ),
    )
    for key, label in options:
        row = ProfileRow(label=label, participants=figure(key))
        if not row.participants.hidden and not table.answered.hidden and answered:
            row.share = round(100 * values[key] / answered, 1)
        figure_of = population.get(key)
        if figure_of is not None:
            row.population = figure_of.count
            if population_total:
                row.population_share = round(100 * figure_of.count / population_total, 1)
        if row.share is not None and row.population_share is not None:
            row.difference = round(row.share - row.population_share, 1)
        table.rows.append(row)
    return table


def profile_tables(filters: Filters, *, minimum: int) -> list[ProfileTable]:
    questions = ProfileQuestion.objects.filter(active=True).prefetch_related("choices")
    return [profile_table(question, filters, minimum=minimum) for question in questions]


# --- When and where from: per period and source ---------------------------------------------


@dataclass
class TimeTable:
    """One measure per period (rows) and source (columns), with totals."""

    title: str
    periods: list[date]
    sources: list[str]
    cells: dict[tuple[date, str], Figure]
    period_totals: dict[date, Figure]
    source_totals: dict[str, Figure]
    total: Figure
    people: bool  # figures about people (suppressed) rather than page views

    @property
    def rows(self) -> list[tuple[date, list[Figure], Figure]]:
        """Per period: the figures in the order of ``sources``, and the period's total."""
        return [
            (p, [self.cells[(p, s)] for s in self.sources], self.period_totals[p])
            for p in self.periods
        ]

    @property
    def column_totals(self) -> list[Figure]:
        return [self.source_totals[s] for s in self.sources]


def _periods(filters: Filters) -> list[date]:
    periods, day = [], filters.date_from
    while day <= filters.date_to:
        start = _period_start(day, filters.period)
        if not periods or periods[-1] != start:
            periods.append(start)
        day += timedelta(days=1)
    return periods


def _period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _trunc(period: str, name: str = "day"):
    return TruncWeek(name) if period == "week" else TruncMonth(name)


def _table_sources(filters: Filters) -> list[str]:
    if filters.source is not None:
        return [filters.source]
    return [*sources.allowed_sources(), ""]


def _people_table(
    title: str, rows: QuerySet[Participation], filters: Filters, *, minimum: int
) -> TimeTable:
    periods, columns = _periods(filters), _table_sources(filters)
    values: dict = {(p, s): 0 for p in periods for s in columns}
    by_cell = (
        rows.annotate(period=_trunc(filters.period))
        .values("period", "source")
        .annotate(n=Count("user_id", distinct=True))
    )
    for row in by_cell:
        key = (_as_date(row["period"]), row["source"])
        if key in values:
            values[key] = row["n"]
    by_period = (
        rows.annotate(period=_trunc(filters.period))
        .values("period")
        .annotate(n=Count("user_id", distinct=True))
    )
    for period in periods:
        values[("period", period)] = 0
    for row in by_period:
        key = ("period", _as_date(row["period"]))
        if key in values:
            values[key] = row["n"]
    for column in columns:
        values[("source", column)] = 0
    for row in rows.values("source").annotate(n=Count("user_id", distinct=True)):
        if ("source", row["source"]) in values:
            values[("source", row["source"])] = row["n"]
    values["total"] = rows.values("user_id").distinct().count()
    lines = [Line(total=("period", p), cells=tuple((p, s) for s in columns)) for p in periods]
    lines += [Line(total=("source", s), cells=tuple((p, s) for p in periods)) for s in columns]
    lines.append(Line(total="total", cells=tuple(("period", p) for p in periods)))
    lines.append(Line(total="total", cells=tuple(("source", s) for s in columns)))
    hidden = suppressed_keys(values, lines, minimum=minimum)

    def figure(key) -> Figure:
        return Figure(None if key in hidden else values[key])

    return TimeTable(
        title=title,
        periods=periods,
        sources=columns,
        cells={(p, s): figure((p, s)) for p in periods for s in columns},
        period_totals={p: figure(("period", p)) for p in periods},
        source_totals={s: figure(("source", s)) for s in columns},
        total=figure("total"),
        people=True,
    )


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def visits_table(filters: Filters) -> TimeTable:
    periods, columns = _periods(filters), [s for s in _table_sources(filters) if s]
    rows = SourceVisit.objects.filter(
        day__gte=filters.date_from, day__lte=filters.date_to, source__in=columns
    )
    cells = {(p, s): 0 for p in periods for s in columns}
    for row in (
        rows.annotate(period=_trunc(filters.period))
        .values("period", "source")
        .annotate(n=Sum("count"))
    ):
        key = (_as_date(row["period"]), row["source"])
        if key in cells:
            cells[key] = row["n"] or 0
    return TimeTable(
        title=str(_("Visits through source links")),
        periods=periods,
        sources=columns,
        cells={key: Figure(value) for key, value in cells.items()},
        period_totals={p: Figure(sum(cells[(p, s)] for s in columns)) for p in periods},
        source_totals={s: Figure(sum(cells[(p, s)] for p in periods)) for s in columns},
        total=Figure(sum(cells.values())),
        people=False,
    )


def time_tables(filters: Filters, *, minimum: int) -> list[TimeTable]:
    signups = participations(filters).filter(module=SIGNUP_MODULE, action=SIGNUP_ACTION)
    return [
        visits_table(filters),
        _people_table(str(_("New accounts")), signups, filters, minimum=minimum),
        _people_table(
            str(_("Residents taking part")), _taking_part(filters), filters, minimum=minimum
        ),
    ]


@dataclass
class Dashboard:
    filters: Filters
    minimum: int
    profile_tables: list[ProfileTable]
    time_tables: list[TimeTable]


def dashboard_get(*, filters: Filters) -> Dashboard:
    minimum = min_group()
    return Dashboard(
        filters=filters,
        minimum=minimum,
        profile_tables=profile_tables(filters, minimum=minimum),
        time_tables=time_tables(filters, minimum=minimum),
    )
