"""Who may do what in participatory budgeting (django-rules).

Permissions are ``budgeting.<verb>_<model>``; the object is a process, a ballot or a project
(each predicate finds the process itself). Staff means an active staff account in the
Budget officer role, or an Administrator. Every rule has a role-by-phase test in
tests/budgeting/test_rules.py.
"""

from __future__ import annotations

import rules

from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts.rules import has_role, is_administrator, is_verified_resident

is_budget_officer = has_role(BUDGET_OFFICER)
is_budget_staff = is_budget_officer | is_administrator


def _process(obj):
    if obj is None:
        return None
    if hasattr(obj, "ballots"):  # a BudgetProcess
        return obj
    return obj.process


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def process_is_public(user, obj) -> bool:
    process = _process(obj)
    return process is None or process.is_public


@rules.predicate
def submission_is_open(user, obj) -> bool:
    process = _process(obj)
    return process is not None and process.is_submission_open()


@rules.predicate
def voting_is_open(user, obj) -> bool:
    process = _process(obj)
    return process is not None and process.is_voting_open()


@rules.predicate
def lives_in_ballot_area(user, ballot) -> bool:
    """The city-wide ballot is everyone's; a district ballot is for that district's residents."""
    if ballot is None or not hasattr(ballot, "area_id"):
        return False
    return ballot.area_id is None or ballot.area_id == getattr(user, "home_area_id", None)


@rules.predicate
def review_is_possible(user, obj) -> bool:
    process = _process(obj)
    return process is not None and not process.rules_frozen


@rules.predicate
def paper_entry_is_open(user, obj) -> bool:
    process = _process(obj)
    return process is not None and process.state in (
        process.State.VOTING,
        process.State.CLOSED,
    )


@rules.predicate
def voting_has_closed(user, obj) -> bool:
    process = _process(obj)
    return process is not None and process.state == process.State.CLOSED


@rules.predicate
def results_are_published(user, obj) -> bool:
    process = _process(obj)
    return process is not None and process.results_published


@rules.predicate
def process_is_closed(user, obj) -> bool:
    process = _process(obj)
    return process is not None and process.is_closed


# --- Residents and the public ---------------------------------------------------------------

rules.add_perm("budgeting.view_process", process_is_public | is_budget_staff)
rules.add_perm("budgeting.view_project", process_is_public | is_budget_staff)
rules.add_perm("budgeting.submit_project", is_signed_in & submission_is_open)
rules.add_perm(
    "budgeting.vote_ballot", is_verified_resident & voting_is_open & lives_in_ballot_area
)
rules.add_perm(
    "budgeting.view_results", results_are_published | (is_budget_staff & process_is_closed)
)

# --- Staff ------------------------------------------------------------------------------------

rules.add_perm("budgeting.review_project", is_budget_staff & review_is_possible)
rules.add_perm("budgeting.advance_process", is_budget_staff)
rules.add_perm("budgeting.enter_paper_ballot", is_budget_staff & paper_entry_is_open)
rules.add_perm("budgeting.compute_results", is_budget_staff & voting_has_closed)
rules.add_perm("budgeting.publish_results", is_budget_staff & voting_has_closed)
rules.add_perm("budgeting.import_process", is_budget_staff)
rules.add_perm(
    "budgeting.export_process", process_is_closed & (is_budget_staff | results_are_published)
)

# The admin's screens and the section on its index page.
rules.add_perm("budgeting", is_budget_staff)
for _model in ("budgetprocess", "ballot", "project"):
    for _verb in ("view", "add", "change", "delete"):
        if f"budgeting.{_verb}_{_model}" != "budgeting.view_project":  # public, above
            rules.add_perm(f"budgeting.{_verb}_{_model}", is_budget_staff)
for _model in ("ballotsubmission", "tallyresult", "processtransition"):
    rules.add_perm(f"budgeting.view_{_model}", is_budget_staff)
