"""Proposals services on PostgreSQL: points for and against, and rating them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from proposals import services
from proposals.models import PointRating
from tests.proposals.factories import idea_post, point_post

pytestmark = pytest.mark.django_db


def test_point_add_and_rate(resident, other, category):
    idea = idea_post(resident, category=category)
    point = point_post(other, idea, "against", "It would cost too much.")
    idea.refresh_from_db()
    assert (idea.points_for_count, idea.points_against_count) == (0, 1)
    services.point_rate(user=resident, point=point, value="helpful")
    services.point_rate(user=resident, point=point, value="helpful")
    point.refresh_from_db()
    assert (point.helpful_count, point.unhelpful_count) == (1, 0)
    services.point_rate(user=resident, point=point, value="unhelpful")
    point.refresh_from_db()
    assert (point.helpful_count, point.unhelpful_count) == (0, 1)
    assert PointRating.objects.count() == 1


def test_point_rate_refuses_own_point(resident, other, category):
    idea = idea_post(resident, category=category)
    point = point_post(other, idea)
    with pytest.raises(ValidationError, match="your own point"):
        services.point_rate(user=other, point=point, value="helpful")


def test_point_add_refuses_empty_text(resident, other, category):
    idea = idea_post(resident, category=category)
    with pytest.raises(ValidationError) as error:
        point_post(other, idea, "for", " ")
    assert error.value.message_dict["text"] == ["Write your point before adding it."]
