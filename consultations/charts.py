"""Bar charts drawn on the server as SVG: geometry only, the template draws them.

Each chart is an image with a title and a description (``role="img"``,
``aria-labelledby``); the same numbers are always in a table beside it, so nothing is
known only from the picture.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 230
BAR_AREA = 330
ROW_HEIGHT = 34
BAR_HEIGHT = 22
LABEL_MAX = 32


@dataclass(frozen=True)
class Bar:
    y: int
    text_y: int
    label: str
    width: float
    count: int
    percent: float
    value_x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def bar_chart(rows) -> Chart:
    """A horizontal bar per row (``label``, ``count``, ``percent``), longest = largest count."""
    top = max((row.count for row in rows), default=0) or 1
    bars = []
    for index, row in enumerate(rows):
        y = 8 + index * ROW_HEIGHT
        width = round(BAR_AREA * row.count / top, 1)
        bars.append(
            Bar(
                y=y,
                text_y=y + BAR_HEIGHT // 2 + 5,
                label=_short(row.label),
                width=max(width, 1.0) if row.count else 0.0,
                count=row.count,
                percent=row.percent,
                value_x=LABEL_WIDTH + width + 8,
            )
        )
    return Chart(
        width=WIDTH, height=16 + len(rows) * ROW_HEIGHT, label_width=LABEL_WIDTH, bars=bars
    )
