"""pabutools as the reference oracle for the tallies (test-only; pabutools is a dev dependency).

Each helper returns the selected project ids in pabutools' selection order.

Approval (and choose-1) ballots use ``Cost_Sat`` throughout, as issue 6 states. Cumulative
ballots have no ready-made pabutools class for "greedy by points", so ``Points_Cost_Sat``
below gives each voter ``points * cost`` for a project: pabutools' greedy orders by total
satisfaction divided by cost, which is then exactly the total of points. MES on cumulative
ballots uses ``Additive_Cardinal_Sat`` (the points are the utilities).
"""

from __future__ import annotations

from pabutools.election import (
    Additive_Cardinal_Sat,
    AdditiveSatisfaction,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.election.profile import AbstractApprovalProfile
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)


def _points_cost(instance, profile, ballot, project, precomputed_values):
    return ballot.get(project, 0) * project.cost


class Points_Cost_Sat(AdditiveSatisfaction):
    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, _points_cost)


def sat_classes(profile) -> tuple[type, type]:
    """(greedy satisfaction, MES satisfaction) for the profile's ballot type."""
    if isinstance(profile, AbstractApprovalProfile):
        return Cost_Sat, Cost_Sat
    return Points_Cost_Sat, Additive_Cardinal_Sat


def load(path: str | None = None, text: str | None = None):
    if text is not None:
        return parse_pabulib_from_string(text)
    return parse_pabulib(path)


def greedy(instance, profile) -> list[str]:
    greedy_sat, _ = sat_classes(profile)
    return [p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat)]


def mes(instance, profile) -> list[str]:
    _, mes_sat = sat_classes(profile)
    return [p.name for p in method_of_equal_shares(instance, profile, sat_class=mes_sat)]


def mes_add1(instance, profile) -> list[str]:
    greedy_sat, mes_sat = sat_classes(profile)
    outcome = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": mes_sat, "voter_budget_increment": 1}, {"sat_class": greedy_sat}],
    )
    return [p.name for p in outcome]


RULES = {"greedy": greedy, "mes": mes, "mes-add1": mes_add1}
