"""The consultations module's staff role, registered from ``ConsultationsConfig.ready()``
(``civicportal.accounts.roles``); ``rules.py`` says what it may do."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicportal.accounts import roles

CONSULTATION_MANAGER = "Consultation manager"


def register_roles() -> None:
    roles.register(
        CONSULTATION_MANAGER,
        description=_("Builds consultations and publishes their results."),
        app_label="consultations",
    )
