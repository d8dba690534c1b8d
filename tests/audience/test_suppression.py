"""Small-group suppression: no group under the threshold, and no total that reveals one."""

from __future__ import annotations

import random

import pytest

from civicportal.audience.suppression import Line, min_group, suppressed_keys


def test_cells_under_the_threshold_are_hidden_and_the_rest_shown():
    values = {"a": 12, "b": 30, "c": 10, "total": 52}
    assert suppressed_keys(values, [Line("total", ("a", "b", "c"))], minimum=10) == set()
    values = {"a": 12, "b": 3, "c": 0, "total": 15}
    assert suppressed_keys(values, [Line("total", ("a", "b", "c"))], minimum=10) == {"b", "c"}


def test_one_hidden_cell_beside_a_shown_total_hides_the_next_smallest_too():
    values = {"a": 40, "b": 11, "c": 3, "total": 54}
    hidden = suppressed_keys(values, [Line("total", ("a", "b", "c"))], minimum=10)
    # "c" alone hidden: 54 - 40 - 11 = 3. So "b" (the smallest shown) goes too.
    assert hidden == {"c", "b"}


def test_a_total_under_the_threshold_hides_every_cell():
    values = {"a": 5, "b": 4, "total": 9}
    assert suppressed_keys(values, [Line("total", ("a", "b"))], minimum=10) == {"a", "b", "total"}


def test_complementary_suppression_follows_rows_and_columns():
    # Row r1 (12, 3 | 15), row r2 (20, 30 | 50); columns 32 and 33; grand total 65.
    values = {
        ("r1", "c1"): 12,
        ("r1", "c2"): 3,
        ("r2", "c1"): 20,
        ("r2", "c2"): 30,
        "r1": 15,
        "r2": 50,
        "c1": 32,
        "c2": 33,
        "all": 65,
    }
    lines = [
        Line("r1", (("r1", "c1"), ("r1", "c2"))),
        Line("r2", (("r2", "c1"), ("r2", "c2"))),
        Line("c1", (("r1", "c1"), ("r2", "c1"))),
        Line("c2", (("r1", "c2"), ("r2", "c2"))),
        Line("all", ("r1", "r2")),
        Line("all", ("c1", "c2")),
    ]
    hidden = suppressed_keys(values, lines, minimum=10)
    assert {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2")} <= hidden
    assert {"r1", "r2", "c1", "c2", "all"}.isdisjoint(hidden)


@pytest.mark.parametrize("seed", range(30))
def test_no_line_is_ever_left_with_a_single_hidden_figure(seed):
    chance = random.Random(seed)
    rows, columns = chance.randint(1, 5), chance.randint(1, 5)
    values = {
        (r, c): chance.choice([0, 1, 4, 9, 10, 11, 25, 60])
        for r in range(rows)
        for c in range(columns)
    }
    for r in range(rows):
        values[("row", r)] = sum(values[(r, c)] for c in range(columns))
    for c in range(columns):
        values[("column", c)] = sum(values[(r, c)] for r in range(rows))
    values["all"] = sum(values[("row", r)] for r in range(rows))
    lines = [Line(("row", r), tuple((r, c) for c in range(columns))) for r in range(rows)]
    lines += [Line(("column", c), tuple((r, c) for r in range(rows))) for c in range(columns)]
    lines += [Line("all", tuple(("row", r) for r in range(rows)))]
    lines += [Line("all", tuple(("column", c) for c in range(columns)))]
    hidden = suppressed_keys(values, lines, minimum=10)
    assert {key for key, value in values.items() if value < 10} <= hidden
    for line in lines:
        assert sum(key in hidden for key in (*line.cells, line.total)) != 1, line


def test_the_threshold_is_never_below_10_on_a_server(settings):
    settings.DEBUG = False
    settings.AUDIENCE_MIN_GROUP = 3
    assert min_group() == 10
    settings.AUDIENCE_MIN_GROUP = "ten"
    assert min_group() == 10
    settings.AUDIENCE_MIN_GROUP = 25
    assert min_group() == 25
    settings.DEBUG = True  # a demo with a handful of accounts
    settings.AUDIENCE_MIN_GROUP = 3
    assert min_group() == 3
