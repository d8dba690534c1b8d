"""The tables a vote writes carry no index that nothing reads (each costs every vote)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: info for name, info in constraints.items() if info["index"]}


def _definitions(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]


def test_votes_have_one_index_led_by_the_resident():
    led_by_user = [
        info["columns"]
        for info in _indexes("proposals_ideavote").values()
        if info["columns"][0] == "user_id"
    ]

    assert led_by_user == [["user_id", "idea_id"]]


def test_idea_status_is_indexed_once_without_a_pattern_index():
    on_status = [
        name for name, info in _indexes("proposals_idea").items() if info["columns"] == ["status"]
    ]

    assert on_status == ["proposals_idea_status_idx"]
    assert not [d for d in _definitions("proposals_idea") if "(status varchar_pattern_ops)" in d]
