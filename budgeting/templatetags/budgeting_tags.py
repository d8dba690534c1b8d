"""``{% load budgeting_tags %}``: money, shares of a budget, reasons, the home-page list."""

from __future__ import annotations

from decimal import Decimal

from django import template

from budgeting.reasons import reason_text
from budgeting.services.common import money as _money

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    if value is None or value == "":
        return ""
    return _money(value, currency)


@register.filter
def share(part, whole) -> str:
    """``part`` as a percentage of ``whole``, one decimal: '12.5 %'."""
    try:
        whole = Decimal(whole)
        if not whole:
            return "—"
        value = Decimal(part) * 100 / whole
    except (TypeError, ValueError, ArithmeticError):
        return "—"
    from django.utils.formats import number_format

    return f"{number_format(value, decimal_pos=1, use_l10n=True)} %"


@register.filter
def reason(row, currency: str = "") -> str:
    """A project's result line, in the reader's language."""
    return reason_text(row, currency)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def budget_home_processes(limit: int = 3):
    from budgeting.selectors import process_open_list

    return list(process_open_list()[:limit])
