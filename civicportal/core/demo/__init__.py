"""Demo data: a registry of seeding functions that together fill a believable city.

Each module registers what it seeds in a ``demo.py`` of its own (found by
``autodiscover_modules("demo")``, the way the admin finds ``admin.py``), so the core never
imports a domain app::

    from civicportal.core import demo

    @demo.register("proposals", order=200)
    def seed_ideas(ctx: demo.DemoContext) -> None:
        for resident in ctx.residents[:10]:
            ...                       # get_or_create on a natural key: safe to run twice
        ctx.say("Ideas: 12, with votes and arguments.")

Seeders run in ``order`` (then name) inside one transaction. The city (areas, residents and
staff in every role) is seeded first, at order 10, and is handed to the others through the
``DemoContext``. Every seeder must be idempotent: running ``seed_demo`` twice changes
nothing.

A module with roles of its own (``civicportal.accounts.roles``) names, in its ``demo.py``,
the demo staff member who holds each one; a role nobody named still gets one, called after
the role::

    demo.register_staff(BUDGET_OFFICER, local_part="budget", display_name="Björn Sveinsson")

The city must hold together in time, as a real one does: nothing happens before what it
depends on (a vote before its idea was posted, an answer before the idea was forwarded, a
ballot outside the voting period, a resident acting before joining). Services stamp what
they do with the present moment, so a seeder that tells a story in the past calls the
services and then dates what they made: ``ctx.between`` picks a moment in a stretch of time,
``history_backdate`` moves an object's "created" audit entry with it, and
``notifications_backdate`` dates the notifications it caused and marks them sent then (an
old event is not mailed again today). tests/core/test_demo_timeline.py checks the result.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

# One password for every demo account, printed by seed_demo. A demo database is for trying
# the portal out; never seed one that real people use.
DEMO_PASSWORD = "riverside-demo-2025"  # noqa: S105
# The staff accounts' TOTP secret (base32): one authenticator entry works for every one.
DEMO_TOTP_SECRET = "RIVERSIDE2FADEMOSTAFFSECRETKEY23"  # noqa: S105
DEMO_EMAIL_DOMAIN = "riverside.example"
# Fixed seed: the same city every time, so a second run finds what the first one made.
RANDOM_SEED = 20250611


@dataclass(frozen=True)
class DemoAccount:
    email: str
    description: str


@dataclass
class DemoContext:
    """What the seeders share: the city seeded so far, and what to tell the person."""

    now: datetime
    password: str = DEMO_PASSWORD
    totp_secret: str = DEMO_TOTP_SECRET
    random: random.Random = field(default_factory=lambda: random.Random(RANDOM_SEED))
    areas: list[Any] = field(default_factory=list)
    residents: list[Any] = field(default_factory=list)
    staff: dict[str, Any] = field(default_factory=dict)  # role name -> user
    staff_accounts: list[DemoAccount] = field(default_factory=list)
    resident_accounts: list[DemoAccount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        """Add a line to what seed_demo prints at the end."""
        self.notes.append(line)

    def between(self, start: datetime, end: datetime, share: float | None = None) -> datetime:
        """A moment from ``start`` to ``end``: ``share`` of the way along, or anywhere."""
        if end <= start:
            return start
        if share is None:
            share = self.random.random()
        return start + (end - start) * share


@dataclass(frozen=True)
class DemoStaff:
    """The demo staff member holding ``role``: ``<local_part>@`` the demo domain."""

    role: str
    local_part: str
    display_name: str


_STAFF: dict[str, DemoStaff] = {}


def register_staff(role: str, *, local_part: str, display_name: str) -> DemoStaff:
    """Name the demo staff member who holds ``role`` (replacing any named before)."""
    member = DemoStaff(role=role, local_part=local_part, display_name=display_name)
    _STAFF[role] = member
    return member


def staff_members(role_names: list[str]) -> list[DemoStaff]:
    """One demo staff member per role of ``role_names``: the named ones in the order they
    were named, then one called after each role nobody named."""
    from django.utils.text import slugify

    named = [member for member in _STAFF.values() if member.role in role_names]
    unnamed = [
        DemoStaff(role=role, local_part=slugify(role), display_name=role)
        for role in role_names
        if role not in _STAFF
    ]
    return named + unnamed


@dataclass(frozen=True)
class Seeder:
    name: str
    order: int
    function: Callable[[DemoContext], None]


_SEEDERS: dict[str, Seeder] = {}


def register(name: str, *, order: int = 100) -> Callable:
    """Register ``function(ctx)`` as the seeder called ``name``. The city is order 10."""

    def decorator(function: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        existing = _SEEDERS.get(name)
        if existing is not None and existing.function.__qualname__ != function.__qualname__:
            raise ValueError(f"Two demo seeders are called {name!r}; give one another name.")
        _SEEDERS[name] = Seeder(name=name, order=order, function=function)
        return function

    return decorator


def seeders() -> list[Seeder]:
    """Every registered seeder, in the order they run."""
    from civicportal.core.demo import city  # noqa: F401  (registers the city)

    autodiscover_modules("demo")
    return sorted(_SEEDERS.values(), key=lambda seeder: (seeder.order, seeder.name))


def database_is_empty() -> bool:
    """No accounts and no areas: nobody has started using this database."""
    from django.contrib.auth import get_user_model

    from civicportal.accounts.models import Area

    return not get_user_model().objects.exists() and not Area.objects.exists()


@dataclass
class SeedResult:
    skipped: bool
    context: DemoContext | None = None


@transaction.atomic
def seed_demo(*, if_empty: bool = False) -> SeedResult:
    """Run every seeder, in order, in one transaction.

    With ``if_empty`` nothing happens unless the database has no accounts and no areas.
    """
    if if_empty and not database_is_empty():
        return SeedResult(skipped=True)
    context = DemoContext(now=timezone.now())
    for seeder in seeders():
        seeder.function(context)
    return SeedResult(skipped=False, context=context)


def history_backdate(obj: Any, at: datetime) -> None:
    """Date the audit-log entry that recorded ``obj``'s creation at ``at``, when the seeder
    says it was made (staff read it in the object's history)."""
    from auditlog.models import LogEntry

    LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.CREATE).update(timestamp=at)


def notifications_backdate(source: Any, at: datetime) -> int:
    """Date the notifications that ``source`` caused at ``at`` and mark them sent then.

    The seeder made them just now, inside its transaction, and nothing has gone out yet: an
    event of days ago is in the residents' inboxes from that day on, and is not mailed to
    them again today (the sending task, run when the seed commits, finds nothing pending).
    Returns the number of deliveries.
    """
    from django.contrib.contenttypes.models import ContentType

    from civicportal.notifications.models import Delivery, Event

    events = Event.objects.filter(
        source_content_type=ContentType.objects.get_for_model(source),
        source_object_id=str(source.pk),
    )
    events.update(created_at=at)
    return Delivery.objects.filter(event__in=events).update(
        status=Delivery.Status.SENT, created_at=at, queued_at=at, claimed_at=at, sent_at=at
    )


def current_totp_code(secret: str) -> str:
    """The code an authenticator app shows for ``secret`` right now."""
    import time

    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def format_report(context: DemoContext) -> str:
    """What seed_demo prints: how to sign in as each kind of demo user."""
    secret = context.totp_secret
    current_code = current_totp_code(secret)
    grouped_secret = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    width = max(
        (len(a.email) for a in [*context.staff_accounts, *context.resident_accounts]),
        default=20,
    )
    lines = [
        "The Riverside demo city is ready. Do not use these accounts on a real portal.",
        "",
        f"Password of every demo account: {context.password}",
        "",
        "Staff accounts ask for a second factor. Add this secret to an authenticator app",
        "(one entry serves every staff account), or type the current code shown here:",
        f"  TOTP secret (base32): {grouped_secret}",
        f"  current code:         {current_code}  (a new one every 30 seconds)",
        "",
        "Staff:",
    ]
    lines += [f"  {a.email:<{width}}  {a.description}" for a in context.staff_accounts]
    lines += ["", "Residents (no second factor):"]
    lines += [f"  {a.email:<{width}}  {a.description}" for a in context.resident_accounts]
    if context.notes:
        lines += ["", *context.notes]
    return "\n".join(lines)
