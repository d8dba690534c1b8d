"""Posting an idea: checked, its Markdown rendered and sanitised, its photo re-encoded.

The author follows their own idea from the start, so they hear of the council's answer.
Each resident posts at most ``PROPOSALS_IDEAS_PER_DAY`` ideas a day.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.accounts.models import Area, User
from civicportal.audience.services import participation_record
from civicportal.core.images import image_reencode
from civicportal.core.maps import point_check
from civicportal.core.models import Follow
from civicportal.core.rendering import markdown_render
from proposals.models import (
    BODY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Category,
    Idea,
    summary_of,
    trending_score,
)

# Markup that has no place in a description; refused outright rather than silently escaped,
# so the author knows why their text changed.
_ACTIVE_CONTENT = re.compile(r"<\s*script|javascript\s*:|<\s*iframe|\son\w+\s*=", re.IGNORECASE)


def text_check(*, field: str, value: str, max_length: int, empty_message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: empty_message})
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("This can be at most %(max)s characters long; yours has %(length)s.")
                % {"max": max_length, "length": len(value)}
            }
        )
    if _ACTIVE_CONTENT.search(value):
        raise ValidationError(
            {
                field: _(
                    "Remove the script or HTML event code from your text: it is not allowed. "
                    "Plain text and Markdown are fine."
                )
            }
        )
    return value


def _rate_check(author: User) -> None:
    limit = settings.PROPOSALS_IDEAS_PER_DAY
    if limit <= 0:
        return
    since = timezone.now() - timedelta(days=1)
    if Idea.objects.filter(author=author, created_at__gte=since).count() >= limit:
        raise ValidationError(
            _(
                "You have posted %(count)s ideas in the last 24 hours, the most allowed. "
                "Try again tomorrow."
            )
            % {"count": limit},
            code="rate_limited",
        )


@transaction.atomic
def idea_create(
    *,
    author: User,
    title: str,
    body: str,
    category: Category,
    area: Area | None = None,
    latitude=None,
    longitude=None,
    image=None,
    image_description: str = "",
) -> Idea:
    """Post an idea for ``author``; raises ``PermissionDenied`` or ``ValidationError``."""
    if not author.has_perm("proposals.add_idea"):
        if settings.PROPOSALS_REQUIRE_VERIFIED and author.is_authenticated:
            raise PermissionDenied(_("Only verified residents can post ideas."))
        raise PermissionDenied(_("Sign in to post an idea."))
    errors: dict[str, list] = {}
    values: dict = {}
    for field, value, limit, empty in (
        ("title", title, TITLE_MAX_LENGTH, _("Give your idea a title.")),
        ("body", body, BODY_MAX_LENGTH, _("Describe your idea.")),
    ):
        try:
            values[field] = text_check(
                field=field, value=value, max_length=limit, empty_message=empty
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    if category is None:
        errors["category"] = [_("Choose the category that fits best.")]
    try:
        latitude, longitude = point_check(latitude, longitude)
    except ValidationError as error:
        errors.update(error.message_dict)
    prepared = None
    if image:
        try:
            prepared = image_reencode(image, max_bytes=settings.PROPOSALS_IMAGE_MAX_BYTES)
        except ValidationError as error:
            errors.update(error.message_dict)
        if not (image_description or "").strip():
            errors.setdefault("image_description", []).append(
                _("Describe the picture in a few words, for people who cannot see it.")
            )
    if errors:
        raise ValidationError(errors)
    _rate_check(author)
    now = timezone.now()
    idea = Idea(
        author=author,
        title=values["title"],
        body=values["body"],
        body_html=markdown_render(values["body"]),
        summary=summary_of(values["body"]),
        category=category,
        area=area,
        latitude=latitude,
        longitude=longitude,
        image_description=(image_description or "").strip()[:200],
        created_at=now,
        last_activity_at=now,
        trending_score=trending_score(support=0, created_at=now),
    )
    if prepared is not None:
        idea.image.save(prepared.name, prepared, save=False)
    idea.save()
    Follow.objects.bulk_create(
        [
            Follow(
                user=author,
                content_type=ContentType.objects.get_for_model(Idea),
                object_id=idea.pk,
            )
        ],
        ignore_conflicts=True,
    )
    participation_record(user=author, module="proposals", action="idea")
    return idea
