"""Who may do what with consultations (django-rules, ``consultations.<verb>_<model>``).

Residents see published consultations; whether they may answer depends on the
consultation's audience and on the server's clock (open between ``opens_at`` and
``closes_at``). Staff accounts do not answer: they act for the council, and their answers
would count as residents'. Consultation managers and administrators build consultations,
see live results and publish them. Every rule has a role-by-phase test in
tests/consultations/test_rules.py.
"""

from __future__ import annotations

import rules

from civicportal.accounts.rules import (
    has_role,
    is_active_staff,
    is_administrator,
    is_verified_resident,
)
from consultations.roles import CONSULTATION_MANAGER

is_consultation_manager = has_role(CONSULTATION_MANAGER)
is_consultation_staff = is_consultation_manager | is_administrator


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def is_published(user, consultation) -> bool:
    return consultation is not None and consultation.is_published


@rules.predicate
def is_open(user, consultation) -> bool:
    return consultation is not None and consultation.is_open()


@rules.predicate
def is_closed(user, consultation) -> bool:
    return consultation is not None and consultation.is_closed()


@rules.predicate
def results_are_public(user, consultation) -> bool:
    return consultation is not None and consultation.results_are_public


@rules.predicate
def is_in_audience(user, consultation) -> bool:
    """The audience of the consultation includes ``user`` (anonymous included)."""
    from consultations.models import Audience

    if consultation is None:
        return False
    if consultation.audience == Audience.EVERYONE:
        return not (user and user.is_authenticated) or user.is_active
    if consultation.audience == Audience.SIGNED_IN:
        return is_signed_in(user)
    return is_verified_resident(user)


can_view = is_published | is_consultation_staff

rules.add_perm("consultations.view_consultation", can_view)
rules.add_perm(
    "consultations.respond_consultation",
    is_published & is_open & is_in_audience & ~is_active_staff,
)
rules.add_perm(
    "consultations.view_results", (is_published & results_are_public) | is_consultation_staff
)
rules.add_perm("consultations.manage_consultation", is_consultation_staff)
rules.add_perm("consultations.publish_results", is_consultation_staff & is_closed)

# --- The admin ---------------------------------------------------------------------------

rules.add_perm("consultations", is_consultation_staff)
for _model in (
    "consultation",
    "document",
    "question",
    "choice",
    "draftdocument",
    "section",
    "paragraph",
    "responsereport",
):
    for _verb in ("add", "change", "delete"):
        rules.add_perm(f"consultations.{_verb}_{_model}", is_consultation_staff)
    if _model != "consultation":
        rules.add_perm(f"consultations.view_{_model}", is_consultation_staff)
rules.add_perm("consultations.view_response", is_consultation_staff)
