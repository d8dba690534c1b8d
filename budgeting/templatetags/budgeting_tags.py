"""``{% load budgeting_tags %}``: money, shares of a budget, reasons, the home-page list."""

from __future__ import annotations

from decimal import Decimal

from django import template

from budgeting.reasons import method_text, reason_text
from budgeting.services.common import money as _money

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    if value is None or value == "":
        return ""
    return _money(value, currency)


@register.filter
def share(part, whole) -> str:
    """``part`` as a percentage of ``whole``, rounded to one decimal: 16 of 24 -> '66.7 %'."""
    from django.utils.formats import number_format

    from civicportal.core.numbers import percent

    try:
        if not Decimal(whole):
            return "—"
        value = percent(part, whole)
    except (TypeError, ValueError, ArithmeticError):
        return "—"
    return f"{number_format(value, decimal_pos=1, use_l10n=True)} %"


@register.filter
def reason(row, currency: str = "") -> str:
    """A project's result line, in the reader's language."""
    return reason_text(row, currency)


@register.filter
def method(rule: str) -> str:
    """A counting rule in one plain sentence."""
    return method_text(rule)


@register.filter
def bar_width(value, top) -> str:
    """``value`` as a share of ``top`` on a 0-100 scale, for an SVG bar's width.

    A string with a full stop as the decimal mark whatever the language: SVG reads no other.
    A value above zero gets at least a sliver, so that it never looks like nothing.
    """
    try:
        top = Decimal(top)
        value = Decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        return "0"
    if top <= 0 or value <= 0:
        return "0"
    return f"{max(float(value * 100 / top), 0.5):.1f}"


@register.filter
def votes_text(value, kind: str = "") -> str:
    """'12 votes', or '12 points' on a cumulative ballot."""
    from django.utils.formats import number_format
    from django.utils.translation import ngettext

    try:
        count = Decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        return ""
    number = int(count) if count == count.to_integral_value() else count
    shown = number_format(number, use_l10n=True, force_grouping=True)
    if kind == "cumulative":
        return ngettext("%(n)s point", "%(n)s points", number) % {"n": shown}
    return ngettext("%(n)s vote", "%(n)s votes", number) % {"n": shown}


@register.filter
def rule_row(line: dict, rule: str):
    """A results line's row under the counting rule ``rule`` (None if it was not counted)."""
    return line.get(rule.replace("-", "_")) if hasattr(line, "get") else None


@register.simple_tag
def results_brief(summary, currency: str = "") -> str:
    """The results in one sentence, for search engines and share cards."""
    from django.utils.translation import ngettext

    if summary is None or not summary.projects:
        return ""
    return ngettext(
        "%(funded)s of %(total)s project will be funded, costing %(used)s of %(budget)s.",
        "%(funded)s of %(total)s projects will be funded, costing %(used)s of %(budget)s.",
        summary.projects,
    ) % {
        "funded": summary.funded,
        "total": summary.projects,
        "used": _money(summary.budget_used, currency),
        "budget": _money(summary.budget, currency),
    }


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def budget_home_processes(limit: int = 3):
    from budgeting.selectors import process_open_list

    return list(process_open_list()[:limit])
