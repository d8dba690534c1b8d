"""Campaigns made before they had dates: after the migrations they start on the day they
were created, end on no day, cover no particular area and bring in public posts; and the
migrations undo. Runs on the real database (PostgreSQL, or SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("community", "0002_story_event")]
AFTER = [("community", "0004_campaign_starts_on_from_created")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.fixture
def migrated_back():
    executors = []

    def migrate_back() -> MigrationExecutor:
        executors.append(_migrate(BEFORE))
        return executors[-1]

    yield migrate_back
    if executors:
        _migrate(executors[-1].loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_campaigns_start_on_the_day_they_were_created(migrated_back):
    executor = migrated_back()
    old = executor.loader.project_state(BEFORE[0]).apps
    OldCampaign = old.get_model("community", "Campaign")
    created = timezone.now() - dt.timedelta(days=40)
    campaign = OldCampaign.objects.create(name="Old", slug="old", hashtag="#OldCampaign")
    OldCampaign.objects.filter(pk=campaign.pk).update(created_at=created)

    executor = _migrate(AFTER)
    new = executor.loader.project_state(AFTER[0]).apps
    migrated = new.get_model("community", "Campaign").objects.get(pk=campaign.pk)
    assert migrated.starts_on == timezone.localdate(created)
    assert migrated.ends_on is None and migrated.area_id is None
    assert migrated.bring_in_posts is True
    assert "community_hashtagpost" in connection.introspection.table_names()

    _migrate(BEFORE)
    assert "community_hashtagpost" not in connection.introspection.table_names()
