"""The consultations module's staff screens, linked from the admin's index, side menu and
each consultation's admin page (``civicportal.core.staff_screens``). Each one asks the
permission its view asks, so a link never leads to a refusal."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicportal.core import staff_screens


def register_staff_screens() -> None:
    staff_screens.register_for_object(
        model="consultations.consultation",
        key="consultations.results",
        label=_("Live results"),
        url=lambda consultation: reverse("consultations:staff-results", args=[consultation.slug]),
        permission="consultations.manage_consultation",
    )
