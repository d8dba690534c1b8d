"""The tables a vote writes carry no index that nothing reads (each costs every vote)."""

from __future__ import annotations

import pytest

from tests.indexes import index_definitions, table_indexes

pytestmark = pytest.mark.django_db


def test_votes_have_one_index_led_by_the_resident():
    led_by_user = [
        info["columns"]
        for info in table_indexes("proposals_ideavote").values()
        if info["columns"][0] == "user_id"
    ]

    assert led_by_user == [["user_id", "idea_id"]]


def test_idea_status_is_indexed_once_without_a_pattern_index():
    indexes = table_indexes("proposals_idea")
    on_status = [name for name, info in indexes.items() if info["columns"] == ["status"]]
    definitions = index_definitions("proposals_idea")

    assert on_status == ["proposals_idea_status_idx"]
    assert not [d for d in definitions if "(status varchar_pattern_ops)" in d]
