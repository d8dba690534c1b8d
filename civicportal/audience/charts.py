"""SVG bar charts of the dashboard, drawn on the server (no script, no chart library).

Each chart is an image with a title and a description that reads out every value; the
same figures are always in a table beside it. A hidden figure ("fewer than 10") gets no
bar: its length would tell what the text hides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 640
LABEL_WIDTH = 200
BAR_AREA = 330
ROW_HEIGHT = 44
BAR_HEIGHT = 14


@dataclass(frozen=True)
class Bar:
    y: int
    width: float
    value_x: float
    text: str


@dataclass(frozen=True)
class Row:
    label: str
    label_y: int
    bars: list[Bar]


@dataclass
class Chart:
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    height: int = 0
    rows: list[Row] = field(default_factory=list)


def paired_bars(rows: list[tuple[str, list[tuple[float | None, str]]]], *, scale: float) -> Chart:
    """``rows``: (label, [(value or None, text), ...]) with up to two bars per row, each
    ``value`` on a scale of 0..``scale``; a None value draws no bar, only its text."""
    chart = Chart()
    scale = scale or 1
    for index, (label, values) in enumerate(rows):
        top = index * ROW_HEIGHT + 6
        bars = []
        for position, (value, text) in enumerate(values[:2]):
            width = 0.0 if value is None else round(BAR_AREA * min(value, scale) / scale, 1)
            bars.append(
                Bar(
                    y=top + position * (BAR_HEIGHT + 2),
                    width=width,
                    value_x=round(LABEL_WIDTH + width + 6, 1),
                    text=text,
                )
            )
        chart.rows.append(Row(label=label[:30], label_y=top + BAR_HEIGHT + 2, bars=bars))
    chart.height = len(rows) * ROW_HEIGHT + 8
    return chart
