"""Account reads."""

from __future__ import annotations

from django.db.models import Case, QuerySet, Value, When

from civicportal.accounts.models import ResidencyRequest, User


def residency_request_list(*, viewer: User) -> QuerySet[ResidencyRequest]:
    """The viewer's own residency requests, newest first."""
    return (
        ResidencyRequest.objects.filter(user=viewer)
        .select_related("area")
        .order_by("-created_at", "-id")
    )


def residency_request_queue() -> QuerySet[ResidencyRequest]:
    """Every request for staff review: pending first, oldest first within each status."""
    return (
        ResidencyRequest.objects.select_related("user", "area", "reviewed_by")
        .annotate(
            queue_position=Case(
                When(status=ResidencyRequest.Status.PENDING, then=Value(0)), default=Value(1)
            )
        )
        .order_by("queue_position", "created_at", "id")
    )
