"""Helpers shared by the budgeting services: permission checks, locks, money, topic names."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils.formats import number_format

from budgeting.models import BudgetProcess

TOPIC_VOTING_OPENED = "budgeting.voting_opened"
TOPIC_RESULTS_PUBLISHED = "budgeting.results_published"
TOPIC_PROJECT_REVIEWED = "budgeting.project_reviewed"


def require_perm(actor, perm: str, obj, message: str) -> None:
    """Raise PermissionDenied(message) unless ``actor`` has ``perm`` on ``obj``."""
    if actor is None or not actor.has_perm(perm, obj):
        raise PermissionDenied(message)


def lock_process_shared(process_id: int) -> BudgetProcess:
    """Read the process under a shared row lock (PostgreSQL ``FOR SHARE``).

    Ballots cast in parallel do not wait for each other, but a phase change (``FOR UPDATE``)
    waits for the ballots in flight and they, once it commits, see the new phase: no ballot
    is accepted after voting closed. SQLite serialises writers anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {BudgetProcess._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                [process_id],
            )
    return BudgetProcess.objects.get(pk=process_id)


def money(value: Decimal | int | float, currency: str = "") -> str:
    """12000 -> '12,000 EUR' in the active language's number format; cents only if any."""
    value = Decimal(value)
    places = 0 if value == value.to_integral_value() else 2
    text = number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"{text} {currency}".strip()
