"""A resident's part of idea proposals: what they posted, voted and rated; and erasing it.

Erasing keeps what others rely on: ideas and points stay (others voted and argued on
them), shown as by a deleted resident; votes and ratings stay counted but linked to no
one. The foreign keys are ``SET_NULL`` for the same reason, so deleting the account row
after the erase breaks nothing and changes no count.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from civicportal.accounts.models import User
from proposals.models import Idea, IdeaVote, Point, PointRating


def proposals_personal_data_export(user: User) -> dict[str, Any]:
    ideas = Idea.objects.filter(author=user).select_related("category", "area").order_by("pk")
    votes = IdeaVote.objects.filter(user=user).order_by("pk")
    points = Point.objects.filter(author=user).order_by("pk")
    ratings = PointRating.objects.filter(user=user).order_by("pk")
    return {
        "ideas": [
            {
                "id": idea.pk,
                "title": idea.title,
                "description": idea.body,
                "category": idea.category.name,
                "area": idea.area.name if idea.area else None,
                "latitude": str(idea.latitude) if idea.latitude is not None else None,
                "longitude": str(idea.longitude) if idea.longitude is not None else None,
                "image": idea.image.name or None,
                "status": idea.status,
                "posted_at": idea.created_at,
                "moderation_state": idea.moderation_state,
            }
            for idea in ideas
        ],
        "votes": [
            {
                "idea": v.idea_id,
                "vote": v.value,
                "voted_at": v.created_at,
                "changed_at": v.updated_at,
            }
            for v in votes
        ],
        "points": [
            {"idea": p.idea_id, "side": p.side, "text": p.text, "posted_at": p.created_at}
            for p in points
        ],
        "point_ratings": [
            {"point": r.point_id, "rating": r.value, "rated_at": r.created_at} for r in ratings
        ],
    }


@transaction.atomic
def proposals_personal_data_erase(user: User) -> None:
    """Unlink ``user`` from their ideas, points, votes and ratings (all stay counted).

    Their ideas' photos are deleted: a picture may show the resident or their home.
    """
    for idea in Idea.objects.filter(author=user).exclude(image=""):
        idea.image.delete(save=False)
        idea.image_description = ""
        idea.save(update_fields=["image", "image_description"])
    Idea.objects.filter(author=user).update(author=None)
    Point.objects.filter(author=user).update(author=None)
    IdeaVote.objects.filter(user=user).update(user=None)
    PointRating.objects.filter(user=user).update(user=None)
