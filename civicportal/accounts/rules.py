"""Who may do what: the platform's role predicates, the accounts app's permissions, and the
kernel's (the kernel knows no roles: it asks for its permissions by name, granted here).

Roles are Django groups registered in ``accounts.roles``. A role only counts for an active
staff account (a group membership left on a former staff member grants nothing) whose
request passed a second factor; a superuser counts as Administrator. Domain apps import the
predicates below and combine them in their own ``rules.py``, e.g.
``rules.add_perm("proposals.hide_idea", is_moderator | is_administrator)``; a module's own
role gets its predicate there from ``has_role``:
``is_budget_officer = has_role(BUDGET_OFFICER)``.

Permission names follow ``<app>.<verb>_<model>``; the Django admin asks for the standard
``view/add/change/delete`` ones, which are mapped here as well.
"""

from __future__ import annotations

import rules

from civicportal.accounts import roles
from civicportal.kernel.second_factor import lacks_second_factor


@rules.predicate
def is_active_resident(user) -> bool:
    """A signed-in, active account (a resident acting on their own behalf)."""
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def is_active_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


@rules.predicate
def is_active_superuser(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


@rules.predicate
def is_verified_resident(user) -> bool:
    """A signed-in, active account whose residency staff or the census confirmed."""
    return bool(user and user.is_authenticated and user.is_active and user.is_verified)


@rules.predicate
def has_verified_second_factor(user) -> bool:
    """False when the request acting for ``user`` did not pass a second factor.

    docs/specification.md §10: staff powers need a verified second factor on every path, by
    session or token. The request's authentication marks the user (see
    ``civicportal.kernel.second_factor``); a user no request authenticated (a command, a task)
    is not judged here.
    """
    return not lacks_second_factor(user)


# Every staff role needs a staff account that passed the second factor.
is_staff_with_second_factor = is_active_staff & has_verified_second_factor


def has_role(name: str) -> rules.Predicate:
    """The predicate of the role ``name``: a staff account that passed the second factor,
    in the role's group."""
    return is_staff_with_second_factor & rules.is_group_member(name)


is_moderator = has_role(roles.MODERATOR)
is_administrator = is_staff_with_second_factor & (
    is_active_superuser | rules.is_group_member(roles.ADMINISTRATOR)
)

# --- The admin ---------------------------------------------------------------------------

rules.add_perm("accounts.view_admin", is_staff_with_second_factor)
# Module permission: whether the "Accounts and areas" section shows on the admin index.
rules.add_perm("accounts", is_administrator)

# --- Residency verification --------------------------------------------------------------

rules.add_perm("accounts.view_residencyrequest", is_administrator)
rules.add_perm("accounts.approve_residencyrequest", is_administrator)

rules.add_perm("accounts.import_census", is_administrator)
rules.add_perm("accounts.view_censusimport", is_administrator)
rules.add_perm("accounts.add_censusimport", is_administrator)
rules.add_perm("accounts.delete_censusimport", is_administrator)
rules.add_perm("accounts.view_censusentry", is_administrator)

# --- Areas -------------------------------------------------------------------------------

rules.add_perm("accounts.manage_area", is_administrator)
for _verb in ("view", "add", "change", "delete"):
    rules.add_perm(f"accounts.{_verb}_area", is_administrator)

# --- Accounts and their roles ------------------------------------------------------------

for _verb in ("view", "add", "change"):
    rules.add_perm(f"accounts.{_verb}_user", is_administrator)
# Recovering a staff member who lost their authenticator: remove it, they set up a new one.
rules.add_perm("mfa", is_administrator)
rules.add_perm("mfa.view_authenticator", is_administrator)
rules.add_perm("mfa.delete_authenticator", is_administrator)

# --- The kernel: background jobs ---------------------------------------------------------


@rules.predicate
def may_see_job(user, job) -> bool:
    """A background job is seen (and cancelled, and its result downloaded) by its starter, or
    by staff, either holding the permission its kind asks for; a private kind's (a resident's
    own data) by its starter only. A job whose kind is gone: administrators."""
    if job is None or not is_active_resident.test(user):
        return False
    spec = job.kind_spec
    if spec is None:
        return bool(is_administrator.test(user))
    if not user.has_perm(spec.permission):
        return False
    if job.started_by_id == user.pk:
        return True
    return not spec.private and bool(is_staff_with_second_factor.test(user))


rules.add_perm("kernel.view_job", may_see_job)
rules.add_perm("kernel.cancel_job", may_see_job)
# Starting the platform's own "background jobs check" (civicportal.kernel.services.jobs).
rules.add_perm("kernel.check_jobs", is_administrator)
# Asking for a download of one's own data (a private background job:
# civicportal.kernel.personal_data_jobs).
rules.add_perm("kernel.export_personal_data", is_active_resident)
