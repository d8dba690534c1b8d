"""Points for and against an idea, and residents' ratings of them.

Adding a point locks the idea row (its points counters move with ``F()``); rating locks
the point row, so a resident's parallel ratings leave one rating and exact counts. One
rating per resident and point (a unique constraint); rating again the other way changes
it, the same way again changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from proposals.models import POINT_MAX_LENGTH, Idea, Point, PointRating
from proposals.services.ideas import text_check

_SIDE_COUNTER = {Point.Side.FOR: "points_for_count", Point.Side.AGAINST: "points_against_count"}
_RATING_COUNTER = {
    PointRating.Value.HELPFUL: "helpful_count",
    PointRating.Value.UNHELPFUL: "unhelpful_count",
}


@transaction.atomic
def point_add(*, author: User, idea: Idea | int, side: str, text: str) -> Point:
    """Add ``author``'s point on ``side`` of ``idea``. Locks the idea row."""
    if side not in Point.Side.values:
        raise ValidationError({"side": _("Choose whether your point is for or against the idea.")})
    text = text_check(
        field="text",
        value=text,
        max_length=POINT_MAX_LENGTH,
        empty_message=_("Write your point before adding it."),
    )
    idea_id = idea if isinstance(idea, int) else idea.pk
    locked = Idea.objects.select_for_update().filter(pk=idea_id).first()
    if locked is None or not locked.is_visible:
        raise ValidationError(_("This idea is no longer available."), code="gone")
    if not author.has_perm("proposals.add_point", locked):
        if not (author and author.is_authenticated):
            raise PermissionDenied(_("Sign in to add a point."))
        raise ValidationError(_("This idea is closed: no new points can be added."), code="closed")
    now = timezone.now()
    point = Point.objects.create(idea=locked, author=author, side=side, text=text, created_at=now)
    counter = _SIDE_COUNTER[side]
    Idea.objects.filter(pk=locked.pk).update(**{counter: F(counter) + 1}, last_activity_at=now)
    if isinstance(idea, Idea):
        setattr(idea, counter, getattr(locked, counter) + 1)
    return point


@transaction.atomic
def point_rate(*, user: User, point: Point | int, value: str) -> PointRating:
    """Rate ``point`` helpful or unhelpful for ``user``. Locks the point row."""
    if value not in PointRating.Value.values:
        raise ValidationError({"value": _("Choose whether the point is helpful or not.")})
    point_id = point if isinstance(point, int) else point.pk
    locked = Point.objects.select_for_update().select_related("idea").filter(pk=point_id).first()
    if locked is None or not locked.is_visible or not locked.idea.is_visible:
        raise ValidationError(_("This point is no longer available."), code="gone")
    if not user.has_perm("proposals.rate_point", locked):
        if not (user and user.is_authenticated):
            raise PermissionDenied(_("Sign in to rate points."))
        raise ValidationError(_("You cannot rate your own point."), code="own_point")
    rating = PointRating.objects.filter(point=locked, user=user).first()
    deltas: dict[str, int] = {}
    if rating is None:
        rating = PointRating.objects.create(point=locked, user=user, value=value)
        deltas[_RATING_COUNTER[value]] = 1
    elif rating.value != value:
        deltas = {_RATING_COUNTER[rating.value]: -1, _RATING_COUNTER[value]: 1}
        rating.value = value
        rating.save(update_fields=["value"])
    if deltas:
        Point.objects.filter(pk=locked.pk).update(
            **{field: F(field) + delta for field, delta in deltas.items()}
        )
        if isinstance(point, Point):
            for field, delta in deltas.items():
                setattr(point, field, getattr(locked, field) + delta)
    return rating
