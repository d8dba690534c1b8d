"""Social reach's staff role, registered from ``outreach.plugins``; what it may do is in
``outreach/rules.py``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicportal.accounts import roles

SOCIAL_EDITOR = "Social media editor"


def register_roles() -> None:
    roles.register(
        SOCIAL_EDITOR,
        description=_(
            "Composes posts for the council's social accounts, and approves posts other "
            "editors wrote."
        ),
        app_label="outreach",
    )
