"""Why each project was or was not funded, in the reader's language.

The tallies give every outcome a ``reason_key`` and its values (``reason_params``, numbers as
text); this module holds the translatable sentences. A stored row without a key (older data)
falls back to the English ``reason`` the tally wrote.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from budgeting.services.common import money

TEMPLATES = {
    "greedy_funded": _(
        "Funded by the greedy count: %(votes_text)s; %(remaining)s of the budget was left when "
        "its turn came and it costs %(cost)s."
    ),
    "greedy_unfunded": _(
        "Not funded: %(votes_text)s, but only %(remaining)s of the budget was left when its turn "
        "came in the greedy count, and it costs %(cost)s."
    ),
    "completion_funded": _(
        "Funded by the greedy completion: %(votes_text)s; %(remaining)s of the budget was left "
        "when its turn came and it costs %(cost)s."
    ),
    "completion_unfunded": _(
        "only %(remaining)s of the budget was left when its turn came in the greedy completion "
        "(%(votes_text)s), and it costs %(cost)s."
    ),
    "mes_funded": _(
        "Funded in round %(round)s by equal shares: its %(supporters_text)s shared its cost of "
        "%(cost)s, each paying at most %(max_payment)s."
    ),
    "mes_free": _("Funded first: it costs nothing and has %(votes_text)s."),
    "mes_unaffordable": _(
        "Not funded: its %(supporters_text)s had only %(held)s left of their equal shares when "
        "it was considered, and it costs %(cost)s."
    ),
    "no_votes": _("Not funded: nobody voted for it."),
    "mes_cost_zero": _(
        "Not funded by equal shares: it costs nothing, and equal shares measures each "
        "supporter's gain by the cost of the project."
    ),
    "mes_uncovered": _("Not funded: its supporters could not cover its cost."),
    "mes_then_completion": _("%(first)s Then, %(then)s"),
}
MONEY_PARAMS = ("remaining", "cost", "max_payment", "held")

# Each counting rule in one plain sentence, for residents who never heard of it.
METHODS = {
    "greedy": _(
        "The projects with the most votes were funded first, one after another, until the "
        "money ran out."
    ),
    "mes": _(
        "Every voter had an equal share of the budget, and a project was funded when the "
        "people who voted for it could pay for it together from their shares, so that no "
        "large group could take all the money."
    ),
    "mes-add1": _(
        "Every voter had an equal share of the budget, and a project was funded when the "
        "people who voted for it could pay for it together from their shares, so that no "
        "large group could take all the money; the shares were then made larger to use the "
        "money left over."
    ),
}


def _sentence(key: str, params: dict, currency: str) -> str:
    template = TEMPLATES.get(key)
    if template is None:
        return ""
    values = dict(params)
    for name in MONEY_PARAMS:
        if name in values:
            values[name] = money(Decimal(values[name]), currency)
    if "votes" in values:
        count = Decimal(values["votes"])
        number = int(count) if count == count.to_integral_value() else count
        if values.get("unit") == "points":
            values["votes_text"] = ngettext("%(n)s point", "%(n)s points", number) % {"n": number}
        else:
            values["votes_text"] = ngettext("%(n)s vote", "%(n)s votes", number) % {"n": number}
    if "supporters" in values:
        count = int(Decimal(values["supporters"]))
        values["supporters_text"] = ngettext("%(n)s supporter", "%(n)s supporters", count) % {
            "n": count
        }
    if key == "mes_then_completion":
        first = dict(values.get("first") or {})
        then = dict(values.get("then") or {})
        first_text = _sentence(first.pop("key", ""), first, currency)
        then_text = _sentence(then.pop("key", ""), then, currency)
        if not first_text or not then_text:
            return ""
        return str(template) % {"first": first_text, "then": then_text}
    try:
        return str(template) % values
    except (KeyError, ValueError, TypeError):
        return ""


def reason_text(row, currency: str = "") -> str:
    """The reason of a ``TallyProjectResult`` in the active language."""
    return _sentence(row.reason_key, row.reason_params or {}, currency) or row.reason


def method_text(rule: str) -> str:
    """The counting rule ``rule`` in one plain sentence, in the active language."""
    return str(METHODS.get(rule, ""))
