"""Greedy by votes within the budget, as most cities count.

Projects are taken in descending order of votes (approvals; total points for cumulative
ballots) and each is funded if its cost still fits in what is left of the budget.

Ties (and the order of equal scores) are broken by project id compared as text, ascending
("10" comes before "9"): this is pabutools' default lexicographic tie-breaking, and it makes
``greedy`` equal ``greedy_utilitarian_welfare(..., sat_class=Cost_Sat)`` on approval ballots
(whose score, satisfaction per unit of cost, is the number of approvals). A project costing
nothing ranks with the projects that have no votes, again as pabutools does (its
satisfaction is 0); it is then funded since it always fits.
"""

from __future__ import annotations

from fractions import Fraction

from budgeting.tallies.election import Election
from budgeting.tallies.results import ProjectOutcome, amount, number_text, plural


def greedy_order(election: Election) -> list[int]:
    return sorted(
        range(len(election.ids)),
        key=lambda p: (-(election.votes[p] if election.costs[p] > 0 else 0), election.ids[p]),
    )


def greedy(
    election: Election, initial: list[int] | None = None, *, completion: bool = False
) -> tuple[list[int], dict[int, ProjectOutcome]]:
    """Selected indices in order (after ``initial``) and an outcome per considered project."""
    chosen = set(initial or ())
    remaining: Fraction = election.budget - sum((election.costs[p] for p in chosen), Fraction(0))
    selected: list[int] = []
    outcomes: dict[int, ProjectOutcome] = {}
    stage = "the greedy completion" if completion else "greedy"
    for p in greedy_order(election):
        if p in chosen:
            continue
        cost = election.costs[p]
        votes = election.votes[p]
        what = plural(votes, "point") if election.cumulative else plural(votes, "vote")
        params = {
            "votes": number_text(votes),
            "unit": "points" if election.cumulative else "votes",
            "remaining": number_text(remaining),
            "cost": number_text(cost),
        }
        if cost <= remaining:
            reason = (
                f"Funded by {stage}: {what}; {amount(remaining)} of the budget was left "
                f"when its turn came and it costs {amount(cost)}."
            )
            remaining -= cost
            selected.append(p)
            position = len(chosen) + len(selected)
            outcomes[p] = ProjectOutcome(
                election.ids[p],
                True,
                votes,
                cost,
                reason,
                position,
                "greedy",
                "greedy_funded" if not completion else "completion_funded",
                params,
            )
        else:
            reason = (
                f"Not funded: {what}, but only {amount(remaining)} of the budget was left "
                f"when its turn came in {stage}, and it costs {amount(cost)}."
            )
            outcomes[p] = ProjectOutcome(
                election.ids[p],
                False,
                votes,
                cost,
                reason,
                None,
                "greedy",
                "greedy_unfunded" if not completion else "completion_unfunded",
                params,
            )
    return selected, outcomes
