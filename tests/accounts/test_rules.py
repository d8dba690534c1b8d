"""Every accounts permission and role predicate, for every role (the platform's roles and
the modules' roles, whose predicates live in each module's rules.py)."""

from __future__ import annotations

import importlib

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.utils.module_loading import import_string

from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from consultations.roles import CONSULTATION_MANAGER
from tests.accounts.factories import StaffFactory, UserFactory

ACTORS = (
    "anonymous",
    "resident",
    "verified_resident",
    "staff_without_role",
    "moderator",
    "budget_officer",
    "consultation_manager",
    "alert_author",
    "alert_approver",
    "administrator",
    "superuser",
    "inactive_administrator",
    "administrator_group_but_not_staff",
)


def make_actor(kind: str):
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "resident":
        return UserFactory()
    if kind == "verified_resident":
        return UserFactory(verified=True)
    if kind == "staff_without_role":
        return StaffFactory()
    if kind == "superuser":
        return StaffFactory(is_superuser=True)
    if kind == "inactive_administrator":
        return StaffFactory(role=roles.ADMINISTRATOR, is_active=False)
    if kind == "administrator_group_but_not_staff":
        return _with_group(UserFactory(), roles.ADMINISTRATOR)
    role = {
        "moderator": roles.MODERATOR,
        "budget_officer": BUDGET_OFFICER,
        "consultation_manager": CONSULTATION_MANAGER,
        "alert_author": ALERT_AUTHOR,
        "alert_approver": ALERT_APPROVER,
        "administrator": roles.ADMINISTRATOR,
    }[kind]
    return StaffFactory(role=role)


def _with_group(user, name):
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


ADMINISTRATORS = {"administrator", "superuser"}
# Signed in and active, staff or not.
ACTIVE_ACCOUNTS = set(ACTORS) - {"anonymous", "inactive_administrator"}
STAFF = {
    "staff_without_role",
    "moderator",
    "budget_officer",
    "consultation_manager",
    "alert_author",
    "alert_approver",
    "administrator",
    "superuser",
}

# permission -> the actors who hold it; everyone else must not.
PERMISSIONS = {
    "accounts.view_admin": STAFF,
    "accounts.view_residencyrequest": ADMINISTRATORS,
    "accounts.approve_residencyrequest": ADMINISTRATORS,
    "accounts.import_census": ADMINISTRATORS,
    "accounts.view_censusimport": ADMINISTRATORS,
    "accounts.add_censusimport": ADMINISTRATORS,
    "accounts.delete_censusimport": ADMINISTRATORS,
    "accounts.view_censusentry": ADMINISTRATORS,
    "accounts.manage_area": ADMINISTRATORS,
    "accounts.view_area": ADMINISTRATORS,
    "accounts.add_area": ADMINISTRATORS,
    "accounts.change_area": ADMINISTRATORS,
    "accounts.delete_area": ADMINISTRATORS,
    "accounts.view_user": ADMINISTRATORS,
    "accounts.add_user": ADMINISTRATORS,
    "accounts.change_user": ADMINISTRATORS,
    # Deleting accounts is left to superusers (Django grants them every permission).
    "accounts.delete_user": {"superuser"},
    "mfa.view_authenticator": ADMINISTRATORS,
    "mfa.delete_authenticator": ADMINISTRATORS,
    # The kernel's, granted in accounts/rules.py (the kernel knows no roles); those asked
    # about one job (kernel.view_job, kernel.cancel_job) are tested in tests/kernel/test_jobs.py.
    "kernel.check_jobs": ADMINISTRATORS,
    "kernel.export_personal_data": ACTIVE_ACCOUNTS,
}

PREDICATES = {
    "civicportal.accounts.rules.is_moderator": {"moderator"},
    "budgeting.rules.is_budget_officer": {"budget_officer"},
    "consultations.rules.is_consultation_manager": {"consultation_manager"},
    "alerts.rules.is_alert_author": {"alert_author"},
    "alerts.rules.is_alert_approver": {"alert_approver"},
    "civicportal.accounts.rules.is_administrator": ADMINISTRATORS,
    "civicportal.accounts.rules.is_active_staff": STAFF,
    "civicportal.accounts.rules.is_verified_resident": {"verified_resident"},
    "civicportal.accounts.rules.is_active_resident": ACTIVE_ACCOUNTS,
}


@pytest.mark.django_db
@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
def test_permission_for_role(permission, actor_kind):
    actor = make_actor(actor_kind)
    expected = actor_kind in PERMISSIONS[permission]
    assert actor.has_perm(permission) is expected, (
        f"{actor_kind} should {'' if expected else 'not '}have {permission}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize("predicate_name", sorted(PREDICATES))
def test_role_predicate(predicate_name, actor_kind):
    actor = make_actor(actor_kind)
    predicate = import_string(predicate_name)
    expected = actor_kind in PREDICATES[predicate_name]
    assert predicate.test(actor) is expected


@pytest.mark.django_db
def test_accounts_admin_section_is_shown_to_administrators_only():
    assert StaffFactory(role=roles.ADMINISTRATOR).has_module_perms("accounts")
    assert not StaffFactory(role=roles.MODERATOR).has_module_perms("accounts")


def test_every_accounts_permission_is_in_the_table():
    defined = {
        name
        for name in rules.permissions.permissions
        if name.startswith(("accounts.", "mfa.")) and name.count(".") == 1
    }
    assert defined <= set(PERMISSIONS)


@pytest.mark.django_db
def test_role_groups_data_migration_creates_and_removes_the_groups():
    from django.apps import apps
    from django.contrib.auth.models import Group

    migration = importlib.import_module("civicportal.accounts.migrations.0003_role_groups")
    # The names it froze are still roles (the modules' among them, registered elsewhere);
    # roles added later get their groups after each migrate (roles.ensure_role_groups).
    assert set(migration.ROLE_GROUPS) <= set(roles.ROLES)
    Group.objects.filter(name__in=migration.ROLE_GROUPS).delete()
    migration.create_role_groups(apps, None)
    migration.create_role_groups(apps, None)  # re-runnable
    assert set(migration.ROLE_GROUPS) <= set(Group.objects.values_list("name", flat=True))
    migration.delete_role_groups(apps, None)
    assert not Group.objects.filter(name__in=migration.ROLE_GROUPS).exists()
