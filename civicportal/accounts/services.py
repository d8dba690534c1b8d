"""Account writes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicportal.accounts.models import Area, User

_PROFILE_FIELDS = ("display_name", "preferred_language", "home_area")


@transaction.atomic
def profile_update(*, user: User, **changes) -> User:
    """Change the resident's own profile fields (display name, language, home area)."""
    unknown = set(changes) - set(_PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    if "preferred_language" in changes and changes["preferred_language"] not in dict(
        settings.LANGUAGES
    ):
        raise ValidationError({"preferred_language": _("Choose one of the offered languages.")})
    if (
        "home_area" in changes
        and changes["home_area"] is not None
        and not isinstance(changes["home_area"], Area)
    ):
        raise ValidationError({"home_area": _("Choose one of the council's areas.")})
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    return user
