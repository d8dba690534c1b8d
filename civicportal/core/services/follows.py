"""Following items: their followers are the audience of their updates."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from civicportal.core import targets
from civicportal.core.models import Follow


@transaction.atomic
def follow_set(*, user: User, target: models.Model, following: bool) -> bool:
    """Make ``user`` follow (or stop following) ``target``; returns the new state.

    Takes the wanted state rather than toggling, so a double-click or a retried request
    ends where the resident meant. One row per (user, item) under a unique constraint;
    the insert ignores a conflict, so two requests at the same moment leave one row.
    """
    if not user.has_perm("core.add_follow"):
        raise PermissionDenied(_("Sign in to follow."))
    if not targets.offers(target, "follows"):
        raise ValidationError(_("This item cannot be followed."))
    if following and not targets.target_visible(user, target):
        # Hidden, or kept from ``user`` by its page's rules: as if it did not exist.
        # Unfollowing stays possible: it reveals nothing and ends the updates.
        raise ValidationError(_("There is no such item to follow."))
    content_type = ContentType.objects.get_for_model(target)
    if following:
        Follow.objects.bulk_create(
            [Follow(user=user, content_type=content_type, object_id=target.pk)],
            ignore_conflicts=True,
        )
    else:
        Follow.objects.filter(user=user, content_type=content_type, object_id=target.pk).delete()
    return following
