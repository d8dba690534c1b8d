"""Staff roles: the registry. Each role is a Django group of the same name; rules decide
what it may do.

Group names are stable identifiers (rules refer to them); the descriptions are translated
for the admin. The platform's own roles are here: moderators (comments, reports and the
moderation every module shares) and administrators (accounts, areas, roles). Core never
names a domain app: each app declares its roles in its own ``roles.py`` and registers them
from its ``AppConfig.ready()``::

    # budgeting/roles.py
    BUDGET_OFFICER = "Budget officer"

    def register_roles() -> None:
        roles.register(
            BUDGET_OFFICER,
            description=_("Runs participatory-budgeting processes and enters paper ballots."),
            app_label="budgeting",
        )

and its predicate in its ``rules.py`` (``is_budget_officer = has_role(BUDGET_OFFICER)``,
see ``civicportal.accounts.rules``). ``ensure_role_groups()`` creates a group for every
registered role; it runs after each ``migrate``, so a new module's roles exist from then on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MODERATOR = "Moderator"
ADMINISTRATOR = "Administrator"


@dataclass(frozen=True)
class Role:
    name: str  # the group's name
    description: str | Promise
    app_label: str  # the app that registered it


_ROLES: dict[str, Role] = {}
# The registered roles by group name, in registration order (read-only: use register()).
ROLES: Mapping[str, Role] = MappingProxyType(_ROLES)


def register(name: str, *, description: str | Promise, app_label: str) -> Role:
    """Add (or replace, by ``name``) a role. Safe to call twice from ``ready()``; a name
    another app registered is refused (both would share one group)."""
    existing = _ROLES.get(name)
    if existing is not None and existing.app_label != app_label:
        raise ValueError(
            f"The role {name!r} is registered by {existing.app_label!r} already; "
            "give this one another name."
        )
    role = Role(name=name, description=description, app_label=app_label)
    _ROLES[name] = role
    return role


def unregister(name: str) -> None:
    _ROLES.pop(name, None)


def roles_all() -> list[Role]:
    """Registered roles in registration order."""
    return list(_ROLES.values())


def ensure_role_groups(*, using: str = "default", apps=None, **kwargs) -> None:
    """Create the group of every registered role if missing. Safe to run any number of
    times; also a ``post_migrate`` receiver of the auth app, run after its own (which
    creates the groups table)."""
    from django.contrib.auth.models import Group

    try:
        group_model = apps.get_model("auth", "Group") if apps is not None else Group
    except LookupError:  # a migrate that took the auth app back to zero
        return
    for name in _ROLES:
        group_model.objects.using(using).get_or_create(name=name)


register(
    MODERATOR,
    description=_("Moderates comments, flags and ideas; sets idea statuses."),
    app_label="accounts",
)
register(
    ADMINISTRATOR,
    description=_("Manages accounts, areas, roles and residency verification."),
    app_label="accounts",
)
