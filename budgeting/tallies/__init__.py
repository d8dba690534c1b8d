"""Participatory-budgeting tallies: ``greedy``, ``mes`` and ``mes-add1``, database-free.

Each equals the reference library pabutools on the same input (tests/budgeting/ prove it):

- ``greedy``: ``greedy_utilitarian_welfare(sat_class=Cost_Sat)`` (approval ballots; points
  for cumulative ballots).
- ``mes``: ``method_of_equal_shares(sat_class=Cost_Sat)`` for approval ballots,
  ``Additive_Cardinal_Sat`` (points as utilities) for cumulative ballots; no completion.
- ``mes-add1``: ``completion_by_rule_combination`` of ``method_of_equal_shares(...,
  voter_budget_increment=1)`` and the greedy rule above.

Ties are broken by project id compared as text, ascending, in every rule (pabutools' default).
"""

from __future__ import annotations

from fractions import Fraction

from budgeting.pabulib import Instance, Profile
from budgeting.tallies.election import Election, UnsupportedVoteType
from budgeting.tallies.results import ProjectOutcome, TallyResult, amount, number_text, plural

RULES = ("greedy", "mes", "mes-add1")

__all__ = ["RULES", "ProjectOutcome", "TallyResult", "UnsupportedVoteType", "tally"]


def tally(instance: Instance, profile: Profile, rule: str) -> TallyResult:
    """Run ``rule`` on a parsed Pabulib election. Raises UnsupportedVoteType, ValueError."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")
    election = Election.from_pabulib(instance, profile)
    if rule == "greedy":
        from budgeting.tallies.greedy import greedy

        selected, outcomes = greedy(election)
        return _result(election, rule, selected, outcomes)

    from budgeting.tallies.mes import Prepared, mes_add1, run_mes

    prepared = Prepared.build(election)
    if rule == "mes":
        run = run_mes(prepared, election.budget / max(election.num_voters, 1))
        return _result(election, rule, run.selected, _mes_outcomes(election, prepared, run))

    from budgeting.tallies.greedy import greedy

    run, increment = mes_add1(prepared)
    mes_outcomes = _mes_outcomes(election, prepared, run)
    extra, greedy_outcomes = greedy(election, run.selected, completion=True)
    outcomes = dict(mes_outcomes)
    for p, outcome in greedy_outcomes.items():
        if outcome.funded:
            outcomes[p] = outcome
        else:
            first = mes_outcomes[p].reason.removeprefix("Not funded: ").rstrip(".")
            then = outcome.reason.removeprefix("Not funded: ")
            outcome.reason = f"Not funded: {first}; then {then}"
            outcome.reason_params = {
                "first": {"key": mes_outcomes[p].reason_key, **mes_outcomes[p].reason_params},
                "then": {"key": outcome.reason_key, **outcome.reason_params},
            }
            outcome.reason_key = "mes_then_completion"
            outcomes[p] = outcome
    result = _result(election, rule, run.selected + extra, outcomes)
    result.voter_budget_increment = increment
    if increment:
        result.notes.append(
            f"Equal shares were raised by {amount(increment)} per voter "
            f"(from {amount(election.budget / max(election.num_voters, 1))}) before the "
            f"outcome would overspend the budget."
        )
    return result


def _result(election: Election, rule: str, selected: list[int], outcomes) -> TallyResult:
    return TallyResult(
        rule=rule,
        selected=[election.ids[p] for p in selected],
        outcomes={election.ids[p]: outcomes[p] for p in range(len(election.ids))},
        budget=election.budget,
        budget_used=sum((election.costs[p] for p in selected), Fraction(0)),
    )


def _mes_outcomes(election: Election, prepared, run) -> dict[int, ProjectOutcome]:
    outcomes = {}
    position = {p: i + 1 for i, p in enumerate(run.selected)}
    free = set(prepared.free)
    for p, project_id in enumerate(election.ids):
        cost, votes = election.costs[p], election.votes[p]
        what = plural(votes, "point") if election.cumulative else plural(votes, "vote")
        params = {
            "votes": number_text(votes),
            "unit": "points" if election.cumulative else "votes",
            "cost": number_text(cost),
        }
        if p in run.funded:
            funded = run.funded[p]
            reason = (
                f"Funded in round {position[p]} by equal shares: its "
                f"{plural(funded.supporters, 'supporter')} shared its cost of {amount(cost)}, "
                f"each paying at most {amount(funded.max_payment)}."
            )
            key = "mes_funded"
            params.update(
                round=str(position[p]),
                supporters=number_text(funded.supporters),
                max_payment=number_text(funded.max_payment),
            )
        elif p in free:
            reason = f"Funded first: it costs nothing and has {what}."
            key = "mes_free"
        elif p in run.unaffordable:
            supporters, held = run.unaffordable[p]
            reason = (
                f"Not funded: its {plural(supporters, 'supporter')} had only "
                f"{amount(held)} left of their equal shares when it was considered, "
                f"and it costs {amount(cost)}."
            )
            key = "mes_unaffordable"
            params.update(supporters=number_text(supporters), held=number_text(held))
        elif not votes:
            reason = "Not funded: nobody voted for it."
            key = "no_votes"
        elif cost == 0:
            reason = (
                "Not funded by equal shares: it costs nothing, and equal shares measures "
                "each supporter's gain by the cost of the project."
            )
            key = "mes_cost_zero"
        else:
            reason = "Not funded: its supporters could not cover its cost."
            key = "mes_uncovered"
        funded_flag = p in position
        outcomes[p] = ProjectOutcome(
            project_id,
            funded_flag,
            votes,
            cost,
            reason,
            position.get(p),
            ("free" if p in free else "mes") if funded_flag else "mes",
            key,
            params,
        )
    return outcomes
