"""The Method of Equal Shares (Peters & Skowron; https://equalshares.net), exactly as pabutools.

Every voter starts with an equal share ``b0 = budget / number of ballots`` (empty ballots
included). A project ``p`` with cost ``c`` is affordable when its supporters hold at least ``c``
between them; its price factor ``rho`` is the smallest number such that the supporters cover
``c`` by each paying ``min(budget_i, rho * u_i(p))`` (``u`` is the cost of the project for
approval ballots, pabutools' ``Cost_Sat``; the points for cumulative ballots,
``Additive_Cardinal_Sat``). Each round funds the affordable project with the smallest
``rho`` (its supporters pay the least per unit of utility); equal ``rho`` are broken by the
project id compared as text, ascending (pabutools' lexicographic tie-breaking). Projects
their supporters cannot afford are dropped (budgets only shrink, so for good). The run ends
when no project is affordable; there is no completion here (see ``mes_add1``).

As in pabutools, a project nobody supports is never funded by MES, and a project costing 0
that someone supports (possible only with points) is funded first, in id order.

Speed: the voters are grouped by identical ballots and, further, by *state*: a voter's
budget is ``b0`` minus what it paid, so voters who paid the same amounts share one state
whose budget is stored once. Each evaluation aggregates the supporters by state with numpy
and solves for ``rho`` on a few dozen values; projects are evaluated lazily in order of their
last ``rho``, which can only grow (the standard equalshares.net implementation).

Exactness: the arithmetic runs in floats, and every decision whose float margin is below a
bound on the float error (1e-9 relative, plus 1e-12 of the total budget) -- a near-tie
between two projects, or supporters holding almost exactly the cost -- is re-decided in
exact rational arithmetic (``fractions.Fraction``), rebuilding the exact budgets of the
states involved from the exact price factors of the earlier rounds. The winners are thus
those of pabutools' all-rational computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from budgeting.tallies.election import Election

EPS = 1e-9
ZERO_STATE, ROOT_STATE = 0, 1


@dataclass
class Prepared:
    """Per-project supporter arrays, built once and reused by every run of mes-add1."""

    election: Election
    eligible: list[int]
    free: list[int]
    supporters: dict[int, np.ndarray]  # group indices
    weights: dict[int, np.ndarray]  # multiplicities (float64)
    utility_index: dict[int, np.ndarray]
    utilities_float: dict[int, np.ndarray]
    utilities_exact: dict[int, list[Fraction]]
    total_utility: dict[int, float]

    @classmethod
    def build(cls, election: Election) -> Prepared:
        group_of, project_of = election.entry_group, election.entry_project
        order = np.argsort(project_of, kind="stable")
        bounds = np.searchsorted(project_of[order], np.arange(len(election.ids) + 1))
        flat_points = election.entry_points
        multiplicity = np.asarray(election.multiplicity, dtype=np.float64)
        prepared = cls(election, [], [], {}, {}, {}, {}, {}, {})
        for p in range(len(election.ids)):
            rows = order[bounds[p] : bounds[p + 1]]
            if not len(rows):
                continue
            if election.costs[p] == 0:
                # Cost_Sat gives a free project utility 0 (never funded by MES); with points a
                # free project someone supports is funded up front, as pabutools does.
                if election.cumulative:
                    prepared.free.append(p)
                continue
            groups = group_of[rows]
            if election.cumulative:
                # Cumulative ballots: the points are the utilities (Additive_Cardinal_Sat).
                utilities = [flat_points[r] for r in rows.tolist()]
                distinct = sorted(set(utilities))
                position = {u: i for i, u in enumerate(distinct)}
                uidx = np.asarray([position[u] for u in utilities], np.int64)
            else:
                # Approval ballots, Cost_Sat: a supported project's utility is its cost.
                distinct = [election.costs[p]]
                uidx = np.zeros(len(rows), np.int64)
            prepared.eligible.append(p)
            prepared.supporters[p] = groups
            prepared.weights[p] = multiplicity[groups]
            prepared.utility_index[p] = uidx
            prepared.utilities_float[p] = np.asarray([float(u) for u in distinct])
            prepared.utilities_exact[p] = [Fraction(u) for u in distinct]
            prepared.total_utility[p] = float(
                np.dot(prepared.weights[p], prepared.utilities_float[p][uidx])
            )
        prepared.free.sort(key=lambda p: election.ids[p])
        return prepared


@dataclass
class Funded:
    project: int
    supporters: int
    max_payment: float
    rho: float


@dataclass
class MesRun:
    selected: list[int]
    funded: dict[int, Funded] = field(default_factory=dict)
    # project -> (supporters, what they held between them) when it was found unaffordable
    unaffordable: dict[int, tuple[int, float]] = field(default_factory=dict)
    # Per MES round: (project, an upper bound on its rho, a lower bound on the rho of every
    # other project still in the running); mes_add1 compares runs with them.
    rounds: list[tuple[int, float, float]] = field(default_factory=list)


@dataclass
class _Aggregate:
    element_slot: np.ndarray  # per supporter group: its slot below
    slots: np.ndarray  # distinct (state * n_utilities + utility index) present
    counts: np.ndarray  # voters per slot
    states: np.ndarray
    uidx: np.ndarray
    budgets: np.ndarray
    utilities: np.ndarray


class _Run:
    def __init__(self, prepared: Prepared, share: Fraction) -> None:
        self.prepared = prepared
        election = prepared.election
        self.share = share
        self.budget_float = np.empty(256)
        self.budget_float[ZERO_STATE] = 0.0
        self.budget_float[ROOT_STATE] = float(share)
        self.size = 2
        # For exact reconstruction: the parent state, the selection whose payment made this
        # state, and the index of the utility the payment was for (see utilities_exact).
        self.parent: list[int] = [-1, -1]
        self.selection: list[int] = [-1, -1]
        self.uidx: list[int] = [0, 0]
        self.exact: dict[int, Fraction] = {ZERO_STATE: Fraction(0), ROOT_STATE: share}
        self.state = np.full(len(election.multiplicity), ROOT_STATE, dtype=np.int64)
        self.scratch = np.empty(1024, np.int64)
        # Per selection: the project and its supporters by state just before they paid.
        self.snapshots: list[tuple[int, _Aggregate]] = []
        self.rho_exact: list[Fraction | None] = []
        self.abs_tol = 1e-12 * float(share) * max(election.num_voters, 1)

    # -- exact side ---------------------------------------------------------------------
    def exact_budget(self, state: int) -> Fraction:
        chain = []
        while state not in self.exact:
            chain.append(state)
            state = self.parent[state]
        for state in reversed(chain):
            parent, selection = self.parent[state], self.selection[state]
            project = self.snapshots[selection][0]
            utility = self.prepared.utilities_exact[project][self.uidx[state]]
            before = self.exact[parent]
            self.exact[state] = before - min(before, self.selection_rho(selection) * utility)
        return self.exact[state]

    def selection_rho(self, selection: int) -> Fraction:
        for k in range(selection + 1):  # in order, so the recursion stays one level deep
            if self.rho_exact[k] is None:
                project, agg = self.snapshots[k]
                rho = self.exact_rho_now(project, agg)
                assert rho is not None, "a funded project must have been affordable"
                self.rho_exact[k] = rho
        return self.rho_exact[selection]

    def solve_exact(
        self, project: int, states: list[int], utilities: list[Fraction], counts: list[int]
    ) -> Fraction | None:
        cost = self.prepared.election.costs[project]
        items = [
            (self.exact_budget(s), u, n) for s, u, n in zip(states, utilities, counts, strict=True)
        ]
        if sum(b * n for b, _, n in items) < cost:
            return None
        items.sort(key=lambda item: item[0] / item[1])
        paid = Fraction(0)
        weight = sum(u * n for _, u, n in items)
        for b, u, n in items:
            rho = (cost - paid) / weight
            if rho * u <= b:
                return rho
            paid += b * n
            weight -= u * n
        raise AssertionError("unreachable: the supporters hold at least the cost")

    def exact_rho_now(self, project: int, agg: _Aggregate) -> Fraction | None:
        exact_u = self.prepared.utilities_exact[project]
        return self.solve_exact(
            project,
            agg.states.tolist(),
            [exact_u[i] for i in agg.uidx.tolist()],
            [round(n) for n in agg.counts.tolist()],
        )

    # -- float side ---------------------------------------------------------------------
    def aggregate(self, project: int) -> _Aggregate:
        """The project's supporters by (state, utility), in time linear in the supporters."""
        prepared = self.prepared
        states = self.state[prepared.supporters[project]]
        n_u = len(prepared.utilities_exact[project])
        keys = states if n_u == 1 else states * n_u + prepared.utility_index[project]
        # Deduplicate through a scratch array indexed by key (no sort, no scan of all keys):
        # every element learns the position of the last element with the same key.
        needed = self.size * n_u
        if len(self.scratch) < needed:
            self.scratch = np.empty(max(needed, 2 * len(self.scratch)), np.int64)
        positions = np.arange(len(keys))
        self.scratch[keys] = positions
        representative = self.scratch[keys]
        is_first = representative == positions
        per_representative = np.bincount(
            representative, weights=prepared.weights[project], minlength=len(keys)
        )
        slots = keys[is_first]
        slot_states = slots if n_u == 1 else slots // n_u
        uidx = np.zeros(len(slots), np.int64) if n_u == 1 else slots % n_u
        element_slot = (np.cumsum(is_first) - 1)[representative]
        return _Aggregate(
            element_slot,
            slots,
            per_representative[is_first],
            slot_states,
            uidx,
            self.budget_float[slot_states],
            prepared.utilities_float[project][uidx],
        )

    def evaluate(self, project: int) -> tuple[_Aggregate, float, float, Fraction | None, float]:
        """(aggregate, rho, error bound, exact rho if computed, what the supporters hold).

        rho is None-like (inf) when the project is unaffordable.
        """
        cost_exact = self.prepared.election.costs[project]
        cost = float(cost_exact)
        agg = self.aggregate(project)
        held = agg.counts * agg.budgets
        available = float(held.sum())
        margin = EPS * (cost + available) + self.abs_tol
        if available < cost - margin:
            return agg, np.inf, 0.0, None, available
        if available <= cost + margin:  # too close to call in floats
            rho = self.exact_rho_now(project, agg)
            if rho is None:
                return agg, np.inf, 0.0, None, available
            return agg, float(rho), abs(float(rho)) * 1e-15, rho, available
        ratio = agg.budgets / agg.utilities
        order = np.argsort(ratio, kind="stable")
        paid_before = np.concatenate(([0.0], np.cumsum(held[order])[:-1]))
        weight = (agg.counts * agg.utilities)[order]
        weight_from = np.cumsum(weight[::-1])[::-1]
        rho_k = (cost - paid_before) / weight_from
        fits = np.flatnonzero(rho_k <= ratio[order])
        if not len(fits):  # float noise at the very edge: decide exactly
            rho = self.exact_rho_now(project, agg)
            return agg, float(rho), abs(float(rho)) * 1e-15, rho, available
        k = fits[0]
        error = (EPS * (cost + paid_before[k]) + self.abs_tol) / weight_from[k]
        return agg, float(rho_k[k]), float(error), None, available

    def new_states(self, budgets: np.ndarray, parents: np.ndarray, selection: int, uidx) -> int:
        """Append states; returns the id of the first one."""
        first, count = self.size, len(budgets)
        while self.size + count > len(self.budget_float):
            self.budget_float = np.concatenate(
                (self.budget_float, np.empty(len(self.budget_float)))
            )
        self.budget_float[first : first + count] = budgets
        self.parent.extend(parents.tolist())
        self.selection.extend([selection] * count)
        self.uidx.extend(uidx.tolist())
        self.size += count
        return first

    def pay(
        self, project: int, agg: _Aggregate, rho: float, error: float, exact: Fraction | None
    ) -> Funded:
        selection = len(self.snapshots)
        self.snapshots.append((project, agg))
        self.rho_exact.append(exact)
        payment = rho * agg.utilities
        # Clearly poor supporters pay everything they have: their new state is exactly 0.
        poor = agg.budgets + self.abs_tol < payment - error * agg.utilities
        lookup = np.full(len(agg.slots), ZERO_STATE, np.int64)
        rich = ~poor
        first = self.new_states(
            np.maximum(agg.budgets[rich] - payment[rich], 0.0),
            agg.states[rich],
            selection,
            agg.uidx[rich],
        )
        lookup[rich] = np.arange(first, first + int(rich.sum()))
        self.state[self.prepared.supporters[project]] = lookup[agg.element_slot]
        return Funded(
            project,
            round(float(agg.counts.sum())),
            float(np.minimum(agg.budgets, payment).max()),
            rho,
        )


def run_mes(prepared: Prepared, share: Fraction, guide: MesRun | None = None) -> MesRun | None:
    """One MES run where every voter starts with ``share``.

    With ``guide`` (a run at a smaller share; see mes_add1), give up and return None as soon
    as a round shows that the shares in between may select differently from ``guide``.
    """
    election = prepared.election
    result = MesRun(selected=list(prepared.free))
    if election.num_voters == 0:
        return MesRun(selected=[])
    run = _Run(prepared, share)
    ids = election.ids
    remaining = set(prepared.eligible)
    lower = {
        p: float(election.costs[p]) / prepared.total_utility[p] * (1 - 1e-12) for p in remaining
    }
    while remaining:
        best, best_error = np.inf, 0.0
        candidates = []
        for p in sorted(remaining, key=lambda q: (lower[q], ids[q])):
            if lower[p] > best + best_error:
                break
            agg, rho, error, rho_exact, available = run.evaluate(p)
            if rho == np.inf:
                remaining.discard(p)
                result.unaffordable[p] = (round(float(agg.counts.sum())), available)
                continue
            lower[p] = rho - error
            candidates.append((p, agg, rho, error, rho_exact))
            if rho < best:
                best, best_error = rho, error
        if not candidates:
            break
        tied = [c for c in candidates if c[2] - c[3] <= best + best_error]
        if len(tied) > 1:
            exact = {
                c[0]: c[4] if c[4] is not None else run.exact_rho_now(c[0], c[1]) for c in tied
            }
            least = min(exact.values())
            chosen = min((c for c in tied if exact[c[0]] == least), key=lambda c: ids[c[0]])
            project, agg = chosen[0], chosen[1]
            rho, error, rho_exact = float(least), abs(float(least)) * 1e-15, least
        else:
            project, agg, rho, error, rho_exact = tied[0]
        runner_up = min((lower[q] for q in remaining if q != project), default=np.inf)
        if guide is not None:
            r = len(result.rounds)
            if r >= len(guide.rounds) or not _round_holds(guide.rounds[r], project, runner_up):
                return None
        result.rounds.append((project, rho + error, runner_up))
        result.funded[project] = run.pay(project, agg, rho, error, rho_exact)
        result.selected.append(project)
        remaining.discard(project)
    return result


def mes_add1(prepared: Prepared) -> tuple[MesRun, int | None]:
    """MES with the add-one completion, as pabutools' ``voter_budget_increment=1``.

    Run MES with every voter's share raised by 0, 1, 2... currency units. Stop at the first run
    that is exhaustive (no further MES-eligible project would fit in the budget) and keep it,
    or at the first run that overspends the real budget and keep the run before it. Returns the
    kept run and its increment (None when even the plain run is kept as "previous", i.e. only
    the free projects).

    Leaps. Both stop tests depend on the run's selection only, so increments whose selection
    equals that of a run that did not stop cannot stop either and need not be run. After a run
    at share ``s0`` whose selection equals the two before (a failed leap costs a run), a run at
    ``s1 = s0 + J`` (J = 2, 4, 8... while it keeps succeeding) is accepted for all of
    ``s0 < s <= s1`` when it has the same rounds and, in every round, the upper bound on the
    chosen project's rho at ``s0`` is below the lower bound on every other remaining project's
    rho at ``s1`` (``_same_between``). Else the next increment is run as usual. Proof that
    every ``s`` in between selects the same, by induction on the rounds, assuming the first
    ``r`` rounds agree at ``s0``, ``s`` and ``s1``:

    - Budgets are monotone in the share: a supporter's budget after a round is
      ``max(b - rho * u, 0)``, non-decreasing in ``b`` and non-increasing in ``rho``, and
      ``rho`` is non-increasing in the supporters' budgets (more money, a smaller price). So
      from equal starts ``s0 <= s <= s1``, every voter's budget before round ``r + 1`` is
      ``b(s0) <= b(s) <= b(s1)``.
    - The project ``p`` chosen at ``s0`` and ``s1`` is affordable at ``s`` (its supporters hold
      at least what they held at ``s0``) and ``rho_p(s) <= rho_p(s0)``. Any other project is
      either unaffordable at ``s1``, hence at ``s``, or has ``rho_q(s) >= rho_q(s1)``, which is
      at least the recorded lower bound (lazy bounds included: rho only grows over the rounds),
      strictly above ``rho_p(s0)``. So round ``r + 1`` chooses ``p`` at ``s`` too, with no tie.
    - When the runs at ``s0`` and ``s1`` end, every remaining project is unaffordable at
      ``s1``, hence at ``s``: the run at ``s`` ends as well.

    The bounds carry the float error bounds of ``evaluate`` (decisions too close to call were
    decided exactly), so the leap never accepts a share whose selection could differ, and the
    result -- winners and increment -- is that of running every increment.
    """
    election = prepared.election
    if election.num_voters == 0:
        return MesRun(selected=[]), None
    base = election.budget / election.num_voters
    previous, previous_increment = MesRun(selected=list(prepared.free)), None
    increment = streak = 0
    while True:
        run = run_mes(prepared, base + increment)
        spent = sum((election.costs[p] for p in run.selected), Fraction(0))
        if spent > election.budget:
            return previous, previous_increment
        chosen = set(run.selected)
        if all(
            spent + election.costs[p] > election.budget
            for p in prepared.eligible
            if p not in chosen
        ):
            return run, increment
        unchanged = previous_increment is not None and run.selected == previous.selected
        streak = streak + 1 if unchanged else 0
        # A failed leap costs a run: only leap once the selection has held for two increments.
        jump = 2 if streak >= 2 else 1
        while jump > 1:
            far = run_mes(prepared, base + increment + jump, guide=run)
            if far is None or not _same_between(run, far):
                streak = 0
                break
            run, increment, jump = far, increment + jump, 2 * jump
        previous, previous_increment = run, increment
        increment += 1


def _same_between(low: MesRun, high: MesRun) -> bool:
    """Whether every share between the runs' shares selects as both do (see mes_add1)."""
    if low.selected != high.selected or len(low.rounds) != len(high.rounds):
        return False
    return all(
        _round_holds(low_round, q, runner_up)
        for low_round, (q, _, runner_up) in zip(low.rounds, high.rounds, strict=True)
    )


def _round_holds(low_round: tuple[int, float, float], project: int, runner_up: float) -> bool:
    """The same project chosen, and its rho at the low share below the others' at the high."""
    return low_round[0] == project and low_round[1] * (1 + EPS) < runner_up
