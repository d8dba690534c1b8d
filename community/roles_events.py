"""The events part's staff role, registered from ``community.plugins``; what it may do is
in ``community/rules_events.py``. Moderators (the platform's role) publish what residents
propose; organisers on the council's staff create and run events themselves."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicportal.accounts import roles

EVENT_ORGANISER = "Event organiser"


def register_roles() -> None:
    roles.register(
        EVENT_ORGANISER,
        description=_("Creates, changes and cancels community events, and publishes residents'."),
        app_label="community",
    )
