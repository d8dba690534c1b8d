"""Proposals services on PostgreSQL: a resident's ideas, votes and points in their data
export, and when their account is deleted."""

from __future__ import annotations

import pytest

from civicportal.core.services import account_delete
from proposals import services
from proposals.models import IdeaVote
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.proposals.factories import idea_post, jpeg_with_gps, point_post, vote

pytestmark = pytest.mark.django_db


def test_personal_data_export_and_erase_keep_votes_counted(resident, other, category):
    idea = idea_post(resident, category=category, image=jpeg_with_gps(), image_description="Park")
    vote(other, idea, "support")
    point = point_post(other, idea, "for", "Good for children.")
    services.point_rate(user=resident, point=point, value="helpful")
    exported = services.proposals_personal_data_export(other)
    assert exported["votes"][0]["vote"] == "support"
    assert exported["points"][0]["text"] == "Good for children."
    assert services.proposals_personal_data_export(resident)["ideas"][0]["title"] == idea.title

    account_delete(user=other, confirmation=DEFAULT_PASSWORD)
    account_delete(user=resident, confirmation=DEFAULT_PASSWORD)

    idea.refresh_from_db()
    point.refresh_from_db()
    assert idea.author is None and idea.author_name == "Deleted resident"
    assert not idea.image
    assert idea.support_count == 1
    assert IdeaVote.objects.get(idea=idea).user is None
    assert point.author is None and point.helpful_count == 1
