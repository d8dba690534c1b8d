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

Speed. The voters are grouped by identical ballots (``Election``), with one float budget per
group. Projects are evaluated lazily, in order of a lower bound on their ``rho`` (``rho`` only
grows over the rounds, since budgets only shrink; the standard equalshares.net
implementation), until the next bound is above the best ``rho`` found (``run_mes``).

One evaluation gathers the supporters' budgets ``b`` (weights ``w``, the voters per group)
and solves ``f(rho) = sum_i w_i min(b_i, rho u_i) = c``. Lemma: for *any* split of the
supporters into ``P`` and the rest ``R`` (``sum_R w u > 0``), the value
``rho' = (c - sum_P w b) / sum_R w u`` is at most the root, because the line
``g(x) = sum_P w b + x sum_R w u`` is at least ``f(x)`` everywhere (a supporter in ``P`` gives
``b >= min(b, x u)``, one in ``R`` gives ``x u >= min(b, x u)``) and increasing, so
``g(rho') = c = f(root) <= g(root)``. The evaluation iterates ``rho -> rho'`` with ``P`` those
who cannot pay ``rho u`` (``b_i < rho u_i``), from a first guess: every iterate is a lower
bound on the root; from the first one on they only grow (with ``P`` taken at ``rho``,
``g(rho) = f(rho) <= c = g(rho')``); and an iterate whose ``P`` is the one it was computed
from solves ``f = c``: it is the root.
Poor sets at two values of ``rho`` are nested, so equal sizes mean equal sets. Once a best
``rho`` of the round is known, a project is evaluated from a first guess at that best
(``cutoff``), and as soon as an iterate is clearly above it the evaluation stops: the iterate
is a valid lower bound, and the project cannot win the round. Most evaluations take one or
two passes of a few numpy calls.

Exactness. The arithmetic runs in floats, and every decision whose float margin is below a
bound on the float error (1e-9 relative, plus 1e-12 of the total budget) -- a near-tie
between two projects, or supporters holding almost exactly the cost -- is re-decided in
exact rational arithmetic (``fractions.Fraction``). Near-ties at the *floor* are settled
without more: when every supporter of a tied project clearly pays ``rho u`` in full, its
exact ``rho`` is ``c / sum w u`` (for approval ballots, 1 / its supporters), which is how
projects with equally many supporters tie exactly (``_Run.floor_rho``). Any other near-tie
builds the run's history as a tree of *states* (``_Exact``, once per run, then kept up to
date): voters with identical ballots and identical payments so far share one state, and the
exact budgets of the states involved are rebuilt from the exact price factors of the earlier
rounds. The winners are thus those of pabutools' all-rational computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from budgeting.tallies.election import Election

EPS = 1e-9
INF = float("inf")
# Passes of the fixed point before falling back to exact arithmetic (each pass adds at least
# one group to those paying all they have; the reference files need at most 8).
MAX_PASSES = 64
# mes_add1: the smallest window of increments examined at once (see mes_add1).
MIN_WINDOW = 8


class _Project(NamedTuple):
    """What an evaluation of one project reads, by rank (see Prepared)."""

    groups: np.ndarray  # the supporting groups
    weights: np.ndarray  # their voters (float64)
    utilities: np.ndarray | None  # per group (cumulative ballots); None: the cost (approval)
    weighted: np.ndarray  # weights * utilities
    cost: float
    total: float  # sum of weighted
    supporters: int  # voters


@dataclass
class Prepared:
    """Per-project supporter arrays, built once and reused by every run of mes-add1.

    The eligible projects are also numbered by *rank*, the order of their ids as text (the
    tie-break), so that a stable sort by lower bound breaks ties as pabutools does.
    """

    election: Election
    eligible: list[int]
    free: list[int]
    supporters: dict[int, np.ndarray]  # group indices
    weights: dict[int, np.ndarray]  # multiplicities (float64)
    utility_index: dict[int, np.ndarray]
    utilities_float: dict[int, np.ndarray]
    utilities_exact: dict[int, list[Fraction]]
    total_utility: dict[int, float]
    by_rank: list[int] = field(default_factory=list)
    fast: list[_Project] = field(default_factory=list)  # by rank
    # Per rank: a lower bound on rho before any round (the floor, every supporter paying in
    # full), a hair lower for float rounding.
    first_bound: np.ndarray = field(default_factory=lambda: np.empty(0))

    def floor_exact(self, rank: int) -> Fraction:
        """The exact floor of the project at ``rank``: its cost over its total utility."""
        p = self.by_rank[rank]
        counts = np.bincount(self.utility_index[p], weights=self.weights[p]).tolist()
        total = sum(round(n) * u for n, u in zip(counts, self.utilities_exact[p], strict=True))
        return self.election.costs[p] / total

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
        prepared.by_rank = sorted(prepared.eligible, key=lambda p: election.ids[p])
        for p in prepared.by_rank:
            w = prepared.weights[p]
            u = prepared.utilities_float[p][prepared.utility_index[p]]
            cost = float(election.costs[p])
            prepared.fast.append(
                _Project(
                    prepared.supporters[p],
                    w,
                    u if election.cumulative else None,
                    w * u,
                    cost,
                    prepared.total_utility[p],
                    round(float(w.sum())),
                )
            )
        prepared.first_bound = np.asarray(
            [f.cost / f.total * (1 - 1e-12) for f in prepared.fast], dtype=np.float64
        )
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
    # Per MES round, and once more for the end of the run: the lower bound on every project's
    # rho (by rank; inf once funded or unaffordable) when the round was decided. A run at a
    # smaller share that made the same choices so far may use them (see run_mes).
    bounds: list[np.ndarray] = field(default_factory=list)
    evaluations: int = 0  # projects evaluated, for tests and benchmarks


@dataclass
class _Aggregate:
    element_slot: np.ndarray  # per supporter group: its slot below
    slots: np.ndarray  # distinct (state * n_utilities + utility index) present
    counts: np.ndarray  # voters per slot
    states: np.ndarray
    uidx: np.ndarray


class _Exact:
    """A run's history as a tree of states, for exact re-decisions; built on first need.

    State 0 is the start (budget ``share``). Replaying a selection gives each distinct
    (state, utility index) among the project's supporters a child state; the exact budget of
    a child is ``before - min(before, rho * u)`` with the selection's exact ``rho``, which is
    itself solved exactly from the snapshot of the supporters' states taken at that round.
    """

    def __init__(self, prepared: Prepared, share: Fraction) -> None:
        self.prepared = prepared
        self.state = np.zeros(len(prepared.election.multiplicity), dtype=np.int64)
        self.parent: list[int] = [-1]
        self.selection: list[int] = [-1]
        self.uidx: list[int] = [0]
        self.exact: dict[int, Fraction] = {0: share}
        self.scratch = np.empty(1024, np.int64)
        # Per replayed selection: the project and its supporters by state just before paying.
        self.snapshots: list[tuple[int, _Aggregate]] = []
        self.rho_exact: list[Fraction | None] = []

    def catch_up(self, log: list[tuple[int, Fraction | None]]) -> None:
        """Replay the selections of ``log`` not replayed yet."""
        for project, exact in log[len(self.snapshots) :]:
            selection = len(self.snapshots)
            agg = self.aggregate(project)
            self.snapshots.append((project, agg))
            self.rho_exact.append(exact)
            first = len(self.parent)
            self.parent.extend(agg.states.tolist())
            self.selection.extend([selection] * len(agg.slots))
            self.uidx.extend(agg.uidx.tolist())
            self.state[self.prepared.supporters[project]] = first + agg.element_slot

    def aggregate(self, project: int) -> _Aggregate:
        """The project's supporters by (state, utility), in time linear in the supporters."""
        prepared = self.prepared
        states = self.state[prepared.supporters[project]]
        n_u = len(prepared.utilities_exact[project])
        keys = states if n_u == 1 else states * n_u + prepared.utility_index[project]
        # Deduplicate through a scratch array indexed by key (no sort, no scan of all keys):
        # every element learns the position of the last element with the same key.
        needed = len(self.parent) * n_u
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
        return _Aggregate(
            (np.cumsum(is_first) - 1)[representative],
            slots,
            per_representative[is_first],
            slots if n_u == 1 else slots // n_u,
            np.zeros(len(slots), np.int64) if n_u == 1 else slots % n_u,
        )

    def budget(self, state: int) -> Fraction:
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
                rho = self.solve(project, agg)
                assert rho is not None, "a funded project must have been affordable"
                self.rho_exact[k] = rho
        return self.rho_exact[selection]

    def solve(self, project: int, agg: _Aggregate) -> Fraction | None:
        """The exact rho of ``project`` for the supporters ``agg``; None if unaffordable."""
        cost = self.prepared.election.costs[project]
        exact_u = self.prepared.utilities_exact[project]
        states, uidx, counts = agg.states.tolist(), agg.uidx.tolist(), agg.counts.tolist()
        items = [
            (self.budget(s), exact_u[i], round(n))
            for s, i, n in zip(states, uidx, counts, strict=True)
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


class _Run:
    def __init__(self, prepared: Prepared, share: Fraction) -> None:
        self.prepared = prepared
        election = prepared.election
        self.share = share
        self.budget = np.full(len(election.multiplicity), float(share))  # per group
        self.abs_tol = 1e-12 * float(share) * max(election.num_voters, 1)
        # Per selection: the project and its exact rho when it was computed.
        self.log: list[tuple[int, Fraction | None]] = []
        self.exact_side: _Exact | None = None

    def exact_rho_now(self, project: int) -> Fraction | None:
        if self.exact_side is None:
            self.exact_side = _Exact(self.prepared, self.share)
        self.exact_side.catch_up(self.log)
        return self.exact_side.solve(project, self.exact_side.aggregate(project))

    def evaluate(
        self, rank: int, bound: float, cutoff: float
    ) -> tuple[float, float, Fraction | None, float, bool]:
        """(rho, error bound, exact rho if computed, what the supporters hold, settled).

        rho is inf when the project is unaffordable. ``bound`` is a lower bound on rho. When
        not settled, rho is only a value whose ``rho - error`` is a lower bound above
        ``cutoff``: the project cannot be the best of the round.
        """
        groups, w, u, wu, cost, total, _ = self.prepared.fast[rank]
        b = self.budget.take(groups)
        available = float(np.dot(b, w))
        margin = EPS * (cost + available) + self.abs_tol
        if available < cost - margin:
            return INF, 0.0, None, available, True
        if available > cost + margin:  # else too close to call in floats
            # The first guess: the cutoff when there is one (see the module docstring).
            rho = bound if cutoff == INF else cutoff
            previous, error, wb = -1, 0.0, None
            for _ in range(MAX_PASSES):
                poor = b < (rho * cost if u is None else rho * u)
                count = np.count_nonzero(poor)
                if count == previous:
                    return rho, error, None, available, True
                previous = count
                if count:
                    if wb is None:
                        wb = b * w
                    poor = poor.astype(np.float64)
                    paid, weight = float(np.dot(wb, poor)), total - float(np.dot(wu, poor))
                    if weight < 1e-4 * total:  # cancellation: sum the rich directly
                        weight = float(np.dot(wu, 1.0 - poor))
                    if weight <= 0:
                        if rho > bound:  # all pay in full at the guess: restart from below
                            rho, previous = bound, -1
                            continue
                        break  # float noise at the very edge: decide exactly
                else:
                    paid, weight = 0.0, total
                rho = (cost - paid) / weight
                error = (EPS * (cost + paid) + self.abs_tol) / weight
                if rho - error > cutoff:
                    return rho, error, None, available, False
        exact = self.exact_rho_now(self.prepared.by_rank[rank])
        if exact is None:
            return INF, 0.0, None, available, True
        return float(exact), abs(float(exact)) * 1e-15, exact, available, True

    def floor_rho(self, rank: int, rho: float, error: float) -> Fraction | None:
        """The exact rho when every supporter clearly pays ``rho * u`` in full, else None.

        That exact rho is the floor, the cost over the total utility (for approval ballots,
        1 / supporters): projects with equally many supporters who all pay in full tie
        exactly, the common exact tie, settled here without rebuilding any exact budget.
        Proof: the floor is at most the exact rho (the lemma of the module docstring, with
        nobody paying all they have), which is at most ``rho + error``; every exact budget is
        at least its float budget less the drift, so every supporter can pay ``floor * u`` in
        full, and the floor solves ``f = c``.
        """
        groups, _, u, _, cost, _, _ = self.prepared.fast[rank]
        b = self.budget.take(groups)
        # Float budgets are within EPS * share (plus abs_tol) of the exact ones.
        drift = EPS * float(self.share) + self.abs_tol
        if u is None:
            clear = float(b.min()) - (rho + error) * cost >= drift
        else:
            clear = float((b - (rho + error) * u).min()) >= drift
        return self.prepared.floor_exact(rank) if clear else None

    def pay(self, rank: int, rho: float, exact: Fraction | None) -> Funded:
        groups, _, u, _, cost, _, supporters = self.prepared.fast[rank]
        project = self.prepared.by_rank[rank]
        self.log.append((project, exact))
        b = self.budget.take(groups)
        if u is None:
            payment = rho * cost
            max_payment = min(float(b.max()), payment)
        else:
            payment = rho * u
            max_payment = float(np.minimum(b, payment).max())
        left = b - payment
        np.maximum(left, 0.0, out=left)
        self.budget[groups] = left
        return Funded(project, supporters, max_payment, rho)


def run_mes(prepared: Prepared, share: Fraction, guide: MesRun | None = None) -> MesRun:
    """One MES run where every voter starts with ``share``.

    ``guide`` is a run at a share ``H >= share`` (mes_add1 passes the nearest run above).
    Guide lemma: while this run has made the guide's choices, in the same order, every voter's
    exact budget here is at most its budget there. By induction on the rounds: with equal
    choices so far and budgets here at most there, the next project ``p`` is the same; its rho
    here is at least there (more money can only raise ``f``, so lower its root), and a budget
    after paying, ``max(b - rho u, 0)``, is non-decreasing in ``b`` and non-increasing in
    ``rho``. So while following, every project's rho here is at least its rho there, and a
    project unaffordable there is unaffordable here: the guide's lower bounds for the round
    (``MesRun.bounds``, inf for the unaffordable) are lower bounds here too, and this run takes
    the larger of its own and the guide's. The lazy evaluation decides a round correctly from
    any valid lower bounds, so the selection is the one without a guide, reached with fewer
    evaluations. (A project the guide ruled out may then never be evaluated here, so
    ``unaffordable`` may miss it; mes_add1 runs the run it keeps again without a guide.)
    """
    election = prepared.election
    if election.num_voters == 0:
        return MesRun(selected=[])
    result = MesRun(selected=list(prepared.free))
    run = _Run(prepared, share)
    by_rank, fast = prepared.by_rank, prepared.fast
    lower = prepared.first_bound.copy()
    # While this run has chosen as the guide did, the guide's bounds hold here too.
    following = guide is not None
    while True:
        if following:
            np.maximum(lower, guide.bounds[len(result.rounds)], out=lower)
        lows = lower.tolist()
        best, best_error = INF, 0.0
        candidates = []
        for k in np.argsort(lower, kind="stable").tolist():
            bound = lows[k]
            if bound == INF or bound > best + best_error:
                break
            cutoff = best + best_error
            rho, error, rho_exact, available, settled = run.evaluate(k, bound, cutoff)
            result.evaluations += 1
            if rho == INF:
                lower[k] = INF
                result.unaffordable[by_rank[k]] = (fast[k].supporters, available)
                continue
            lower[k] = rho - error
            if not settled:
                continue
            candidates.append((k, rho, error, rho_exact))
            if rho < best:
                best, best_error = rho, error
        result.bounds.append(lower.copy())
        if not candidates:
            break
        tied = [c for c in candidates if c[1] - c[2] <= best + best_error]
        if len(tied) > 1:
            exact = {}
            for c in tied:
                value = c[3] if c[3] is not None else run.floor_rho(c[0], c[1], c[2])
                exact[c[0]] = value if value is not None else run.exact_rho_now(by_rank[c[0]])
            least = min(exact.values())
            # Ranks follow the ids as text: the smallest rank wins a tie.
            k = min(c[0] for c in tied if exact[c[0]] == least)
            rho, error, rho_exact = float(least), abs(float(least)) * 1e-15, least
        else:
            k, rho, error, rho_exact = tied[0]
        project = by_rank[k]
        lower[k] = INF
        result.rounds.append((project, rho + error, float(lower.min())))
        result.funded[project] = run.pay(k, rho, rho_exact)
        result.selected.append(project)
        if following:
            r = len(result.rounds) - 1
            following = r < len(guide.rounds) and guide.rounds[r][0] == project
    return result


def mes_add1(prepared: Prepared) -> tuple[MesRun, int | None]:
    """MES with the add-one completion, as pabutools' ``voter_budget_increment=1``.

    Run MES with every voter's share raised by 0, 1, 2... currency units. Stop at the first run
    that is exhaustive (no further MES-eligible project would fit in the budget) and keep it,
    or at the first run that overspends the real budget and keep the run before it. Returns the
    kept run and its increment (None when even the plain run overspends: only the free
    projects are kept).

    Both stop tests depend on the run's selection only: an increment whose selection equals
    that of a run that does not stop cannot stop either. The result (winners and increment) is
    therefore that of running every increment as long as increments are examined in order and
    each one is either run or proven to select as a run that does not stop.

    Method. The increments are examined by windows ``lo < k <= hi``, ``MIN_WINDOW`` wide
    (doubled after a window whose ends provably select alike, else halved down to the
    minimum). The run at ``hi`` is made without a guide; then ``first_stop`` halves the
    window: when every share between the runs at ``lo`` and ``hi`` provably selects as both
    (``_same_between``, the leap lemma below), the increments in between select as ``lo``,
    which does not stop, and only ``hi`` is left to test (skipped: the runs in between); else
    the run at the middle is made, guided by the run at ``hi``, and the lower half is examined
    before the upper one. The first increment that stops is thus found, and every increment
    below it was run or proven to select as a run that does not stop. The kept run is made
    once more without a guide when it had one, so that its explanations are complete.

    Reused: a guided run takes the lower bounds on every project's rho that the run above
    recorded for each round, for as long as it has made the same choices (the guide lemma of
    run_mes: its budgets are then at most those above, so its rhos at least those above). In
    the rounds where the run above decided clearly, only the winner is evaluated; the
    selection is the same as without a guide, since any valid lower bounds decide a round
    alike. The nearest run above has the tightest bounds, hence the halving.

    Leap lemma (``_same_between``). Let the runs at ``s0 < s1`` make the same choices, and in
    every round let the upper bound on the chosen project's rho at ``s0`` be below the lower
    bound on every other remaining project's rho at ``s1``. Then the run at every ``s``
    between makes the same choices. By induction on the rounds, assuming the first ``r``
    rounds agree at ``s0``, ``s`` and ``s1``:

    - By the guide lemma (run_mes), every voter's budget before round ``r + 1`` is
      ``b(s0) <= b(s) <= b(s1)``.
    - The project ``p`` chosen at ``s0`` and ``s1`` is affordable at ``s`` (its supporters hold
      at least what they held at ``s0``) and ``rho_p(s) <= rho_p(s0)``. Any other project is
      either unaffordable at ``s1``, hence at ``s``, or has ``rho_q(s) >= rho_q(s1)``, which is
      at least the recorded lower bound (lazy bounds included: rho only grows over the rounds),
      strictly above ``rho_p(s0)``. So round ``r + 1`` chooses ``p`` at ``s`` too, with no tie.
    - When the runs at ``s0`` and ``s1`` end, every remaining project is unaffordable at
      ``s1``, hence at ``s``: the run at ``s`` ends as well.

    The bounds carry the float error bounds of the evaluations (decisions too close to call
    are decided exactly), so neither a leap nor a guide relies on a float comparison that
    could be wrong.
    """
    election = prepared.election
    if election.num_voters == 0:
        return MesRun(selected=[]), None
    base = election.budget / election.num_voters
    # Costs and budget as integers in a common unit, for the stop tests.
    unit = math.lcm(election.budget.denominator, *(c.denominator for c in election.costs))
    costs = [int(c * unit) for c in election.costs]
    budget = int(election.budget * unit)

    def stop(run: MesRun) -> str | None:
        spent = sum(costs[p] for p in run.selected)
        if spent > budget:
            return "overspends"
        chosen = set(run.selected)
        if all(spent + costs[p] > budget for p in prepared.eligible if p not in chosen):
            return "exhaustive"
        return None

    def first_stop(lo: int, low: MesRun, hi: int, high: MesRun) -> tuple[int, str] | None:
        """The first increment ``lo < k <= hi`` whose run stops, and how; None if none does.

        ``low`` and ``high`` are the runs at ``lo`` and ``hi``; ``low`` does not stop.
        """
        if hi - lo > 1 and not _same_between(low, high):
            mid = (lo + hi) // 2
            middle = run_mes(prepared, base + mid, guide=high)
            return first_stop(lo, low, mid, middle) or first_stop(mid, middle, hi, high)
        # Every increment between lo and hi selects as low (which does not stop): only hi is left.
        how = stop(high)
        return (hi, how) if how else None

    low = run_mes(prepared, base)
    how = stop(low)
    if how == "overspends":
        return MesRun(selected=list(prepared.free)), None
    if how == "exhaustive":
        return low, 0
    lo, window, plain = 0, MIN_WINDOW, {0: low}
    while True:
        hi = lo + window
        plain[hi] = high = run_mes(prepared, base + hi)
        found = first_stop(lo, low, hi, high)
        if found is not None:
            k, how = found
            kept = k if how == "exhaustive" else k - 1
            # The kept run once more without a guide, for complete explanations (a guided
            # run may skip evaluating a project the guide found unaffordable).
            return plain.get(kept) or run_mes(prepared, base + kept), kept
        window = 2 * window if _same_between(low, high) else max(MIN_WINDOW, window // 2)
        lo, low = hi, high


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
