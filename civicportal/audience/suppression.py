"""Small-group suppression: no figure about fewer than ``min_group()`` people is shown, and
no shown total gives a hidden figure away.

A table is a set of cells (``key -> count``) and of *lines*: a total and the cells it adds
up (a row and its row total, a column and its column total, the row totals and the grand
total). Primary suppression hides every cell under the threshold (a 0 included: "fewer
than 10" says nothing about which). Complementary suppression then repeats, until nothing
changes: a line with exactly one hidden figure among its cells and its total would let
anyone work the figure out by subtraction, so the smallest shown cell of that line is
hidden too (its total when no cell is left to hide).

Totals of distinct people are not always the sum of their cells (a resident may come
through two sources); treating them as sums hides at least as much as needed.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

MIN_GROUP_FLOOR = 10


def min_group() -> int:
    """The smallest group shown (``AUDIENCE_MIN_GROUP``, default 10). Below 10 only with
    DEBUG on (a demo with a handful of accounts); a lower value on a server is refused and
    10 is used."""
    configured = settings.AUDIENCE_MIN_GROUP
    try:
        value = int(configured)
    except (TypeError, ValueError):
        logger.warning(
            "AUDIENCE_MIN_GROUP=%r is not a number; using %s", configured, MIN_GROUP_FLOOR
        )
        return MIN_GROUP_FLOOR
    if value < MIN_GROUP_FLOOR and not settings.DEBUG:
        logger.warning(
            "AUDIENCE_MIN_GROUP=%s is below %s, allowed only with DEBUG on; using %s",
            value,
            MIN_GROUP_FLOOR,
            MIN_GROUP_FLOOR,
        )
        return MIN_GROUP_FLOOR
    return max(value, 1)


@dataclass(frozen=True)
class Line:
    """A total and the cells it adds up."""

    total: Hashable
    cells: tuple[Hashable, ...]


def suppressed_keys(
    values: Mapping[Hashable, int], lines: Iterable[Line], *, minimum: int
) -> set[Hashable]:
    """The keys of ``values`` not to show (see the module's docstring)."""
    lines = list(lines)
    hidden = {key for key, value in values.items() if value < minimum}
    changed = True
    while changed:
        changed = False
        for line in lines:
            members = [key for key in (*line.cells, line.total) if key in values]
            unknown = [key for key in members if key in hidden]
            if len(unknown) != 1:
                continue
            shown_cells = [key for key in line.cells if key in values and key not in hidden]
            if shown_cells:
                hidden.add(min(shown_cells, key=lambda key: (values[key], str(key))))
            elif line.total in values and line.total not in hidden:
                hidden.add(line.total)
            else:
                continue
            changed = True
    return hidden
