"""Helpers shared by the proposals service tests."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from civicportal.core.models import Follow
from proposals.models import Idea


def follower_ids(idea: Idea) -> set[int]:
    content_type = ContentType.objects.get_for_model(Idea)
    return set(
        Follow.objects.filter(content_type=content_type, object_id=idea.pk).values_list(
            "user_id", flat=True
        )
    )


def someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
