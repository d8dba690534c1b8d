"""What a tally returns: the selection in order and one plain-language reason per project."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass
class ProjectOutcome:
    project_id: str
    funded: bool
    # Approvals for approval ballots, total points for cumulative ballots.
    votes: int | Fraction
    cost: int | Fraction
    reason: str
    # 1-based position in the selection order, None when not funded.
    position: int | None = None
    # "mes", "greedy" (also the greedy completion of mes-add1) or "free" (cost 0, see mes.py).
    stage: str = ""
    # The reason as a template key and its values (numbers as text), so that pages can say
    # it in the reader's language (budgeting/reasons.py); ``reason`` is the English text.
    reason_key: str = ""
    reason_params: dict = field(default_factory=dict)


@dataclass
class TallyResult:
    rule: str
    # Project ids in selection order (the order pabutools lists them in).
    selected: list[str]
    # One entry per project of the instance, in the instance's order.
    outcomes: dict[str, ProjectOutcome]
    budget: int | Fraction
    budget_used: int | Fraction
    # mes-add1 only: how many currency units were added to every voter's equal share.
    voter_budget_increment: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def funded(self) -> list[ProjectOutcome]:
        return [self.outcomes[project_id] for project_id in self.selected]


def amount(value: int | float | Fraction) -> str:
    """12000 -> '12,000'; fractional amounts keep two decimals: '1,234.57'."""
    if isinstance(value, Fraction) and value.denominator == 1:
        value = value.numerator
    if isinstance(value, int):
        return f"{value:,}"
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def number_text(value: int | float | Fraction) -> str:
    """An exact number as text for ``reason_params``: '12000', '1234.57'."""
    if isinstance(value, Fraction) and value.denominator == 1:
        value = value.numerator
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.2f}"


def plural(count: int | Fraction, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{amount(count)} {word}"
