"""greedy, mes and mes-add1 against pabutools (no database).

Slow pabutools runs on the big reference files are stored by make_expected.py in expected/;
small files and 200 seeded random instances are compared live.
"""

from __future__ import annotations

import random

import pytest

from budgeting.pabulib import parse, write
from budgeting.tallies import RULES, UnsupportedVoteType, tally
from tests.budgeting import oracle
from tests.budgeting.conftest import PB_FILES, SMALL_FILES, expected, pb_file

STEMS = [p.stem for p in PB_FILES]


@pytest.mark.parametrize("rule", ["greedy", "mes"])
@pytest.mark.parametrize("stem", STEMS)
def test_rule_equals_stored_pabutools_outcome(parsed, stem, rule):
    instance, profile = parsed(stem)
    assert tally(instance, profile, rule).selected == expected(stem)[rule]["selected"]


@pytest.mark.parametrize("stem", [s for s in STEMS if "mes-add1" in expected(s)])
def test_mes_add1_equals_stored_pabutools_outcome(parsed, stem):
    instance, profile = parsed(stem)
    assert tally(instance, profile, "mes-add1").selected == expected(stem)["mes-add1"]["selected"]


def test_mes_add1_is_stored_for_the_small_files():
    for stem in SMALL_FILES:
        assert "mes-add1" in expected(stem)


@pytest.mark.parametrize("stem", SMALL_FILES)
@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_rule_equals_live_pabutools_on_small_file(parsed, stem, rule):
    instance, profile = parsed(stem)
    reference = oracle.RULES[rule](*oracle.load(str(pb_file(stem))))
    assert tally(instance, profile, rule).selected == reference


def random_election(rng: random.Random, vote_type: str) -> str:
    """A small random .pb text; few distinct costs and votes so ties are frequent."""
    n_projects = rng.randint(1, 7)
    n_voters = rng.randint(0, 12)
    costs = [
        rng.choice([0, 1, 5, 10, 10, 15, 20, 30])
        if rng.random() < 0.05
        else rng.choice([5, 10, 10, 15, 20, 30])
        for _ in range(n_projects)
    ]
    budget = rng.choice([10, 25, 40, 60, 90])
    ids = rng.sample(["1", "2", "3", "9", "10", "11", "20", "a", "B"], n_projects)
    lines = [
        "META",
        "key;value",
        f"num_projects;{n_projects}",
        f"num_votes;{n_voters}",
        f"budget;{budget}",
        f"vote_type;{vote_type}",
    ]
    lines += ["PROJECTS", "project_id;cost;name"]
    lines += [f"{pid};{cost};Project {pid}" for pid, cost in zip(ids, costs, strict=True)]
    lines += ["VOTES", "voter_id;vote;points" if vote_type == "cumulative" else "voter_id;vote"]
    for voter in range(n_voters):
        # pabutools cannot read an empty cumulative ballot, so those get at least one project.
        empty_ok = vote_type == "approval" and rng.random() < 0.1
        chosen = rng.sample(ids, rng.randint(0 if empty_ok else 1, n_projects))
        if vote_type == "cumulative":
            points = [str(rng.randint(1, 3)) for _ in chosen]
            lines.append(f"{voter};{','.join(chosen)};{','.join(points)}")
        else:
            lines.append(f"{voter};{','.join(chosen)}")
    return "\n".join(lines) + "\n"


RANDOM_CASES = [(seed, "cumulative" if seed % 4 == 3 else "approval") for seed in range(200)]


@pytest.mark.parametrize(("seed", "vote_type"), RANDOM_CASES)
def test_random_instance_equals_live_pabutools(seed, vote_type):
    text = random_election(random.Random(seed), vote_type)
    instance, profile = parse(text)
    reference = oracle.load(text=text)
    for rule in RULES:
        assert tally(instance, profile, rule).selected == oracle.RULES[rule](*reference), (
            rule,
            text,
        )


TIES = """META
key;value
num_projects;4
num_votes;4
budget;30
vote_type;approval
PROJECTS
project_id;cost
9;10
10;10
2;20
3;5
VOTES
voter_id;vote
1;9,10,2
2;9,10,2
3;3
4;3
"""


def test_greedy_breaks_ties_by_project_id_as_text():
    # 9, 10 and 2 have two votes each; "10" < "2" < "9" as text.
    result = tally(*parse(TIES), "greedy")
    assert result.selected == ["10", "2"]
    assert result.outcomes["9"].reason.startswith("Not funded: 2 votes, but only 0 of the budget")
    assert result.budget_used == 30


def test_mes_breaks_equal_shares_ties_by_project_id_as_text():
    result = tally(*parse(TIES), "mes")
    # Each voter holds 7.5: voters 1-2 can split 10 ("10" before "9"), then hold 2.5 each.
    assert result.selected[0] in {"10", "3"}
    assert "9" not in result.selected or result.selected.index("10") < result.selected.index("9")
    assert result.selected == oracle.mes(*oracle.load(text=TIES))


CUMULATIVE = """META
key;value
num_projects;3
num_votes;3
budget;100
vote_type;cumulative
PROJECTS
project_id;cost
a;60
b;50
c;40
VOTES
voter_id;vote;points
1;a,c;1,9
2;b;10
3;a,b;6,4
"""


def test_greedy_on_cumulative_ballots_orders_by_total_points():
    # Points: a 7, b 14, c 9 -> b (50), c (40) fits, a (60) does not.
    result = tally(*parse(CUMULATIVE), "greedy")
    assert result.selected == ["b", "c"]
    assert result.outcomes["b"].votes == 14
    assert result.outcomes["a"].reason == (
        "Not funded: 7 points, but only 10 of the budget was left when its turn came in "
        "greedy, and it costs 60."
    )


def test_mes_on_cumulative_ballots_uses_points_as_utilities():
    # Shares of 100/3. c: only voter 1 (33.3) supports it -> unaffordable. b: voter 2 (10
    # points) and voter 3 (4): rho = 50/14 lets both pay (35.7 > 33.3 for voter 2 though),
    # so voter 2 pays all 33.3 and voter 3 pays 16.7 (rho 16.7/4). a: voters 1 and 3.
    result = tally(*parse(CUMULATIVE), "mes")
    assert result.selected == oracle.mes(*oracle.load(text=CUMULATIVE))
    assert result.outcomes["c"].reason.startswith("Not funded: its 1 supporter had only 33.33")


def test_explanations_cover_every_project():
    result = tally(*parse(TIES), "mes-add1")
    assert list(result.outcomes) == ["9", "10", "2", "3"]
    for outcome in result.outcomes.values():
        assert outcome.funded == (outcome.project_id in result.selected)
        assert outcome.reason.startswith("Funded" if outcome.funded else "Not funded")


@pytest.mark.parametrize("vote_type", ["ordinal", "scoring"])
def test_unsupported_vote_type_is_refused(vote_type):
    text = TIES.replace("approval", vote_type)
    if vote_type == "scoring":
        text = text.replace("voter_id;vote\n", "voter_id;vote;points\n")
        text = text.replace("1;9,10,2\n", "1;9,10,2;1,1,1\n").replace(
            "2;9,10,2\n", "2;9,10,2;1,2,3\n"
        )
        text = text.replace("3;3\n", "3;3;1\n").replace("4;3\n", "4;3;1\n")
    with pytest.raises(UnsupportedVoteType, match=f"vote_type '{vote_type}' cannot be tallied"):
        tally(*parse(text), "mes")


def test_choose_one_is_tallied_as_approval():
    text = TIES.replace("approval", "choose-1").replace("9,10,2", "9")
    instance, profile = parse(text)
    assert tally(instance, profile, "greedy").selected == oracle.greedy(*oracle.load(text=text))


def test_writer_output_tallies_the_same(parsed):
    instance, profile = parsed("poland_wieliczka_2023")
    again = parse(write(instance, profile))
    assert tally(*again, "mes").selected == expected("poland_wieliczka_2023")["mes"]["selected"]


def every_increment(prepared):
    """mes-add1 the plain way, running MES at every increment (the leaps' reference)."""
    from fractions import Fraction

    from budgeting.tallies.mes import MesRun, run_mes

    election = prepared.election
    base = election.budget / election.num_voters
    previous, previous_increment, increment = MesRun(selected=list(prepared.free)), None, 0
    while True:
        run = run_mes(prepared, base + increment)
        spent = sum((election.costs[p] for p in run.selected), Fraction(0))
        if spent > election.budget:
            return previous.selected, previous_increment
        left = [p for p in prepared.eligible if p not in set(run.selected)]
        if all(spent + election.costs[p] > election.budget for p in left):
            return run.selected, increment
        previous, previous_increment, increment = run, increment, increment + 1


# The run at every increment takes about a second on Mokotów (its selection changes at 131 of
# its 226 increments); Częstochowa has 1,557 increments, mostly leapt over.
@pytest.mark.parametrize("stem", STEMS)
def test_mes_add1_leaps_give_the_result_of_every_increment(parsed, stem):
    from budgeting.tallies.election import Election
    from budgeting.tallies.mes import Prepared, mes_add1

    prepared = Prepared.build(Election.from_pabulib(*parsed(stem)))
    run, increment = mes_add1(prepared)
    assert (run.selected, increment) == every_increment(prepared)


def in_hundreds(text: str) -> str:
    """The election with costs and budget in hundreds: many add-one increments."""
    lines, section = [], None
    for line in text.splitlines():
        fields = line.split(";")
        section = line if line in ("META", "PROJECTS", "VOTES") else section
        if fields[0] == "budget" or (
            section == "PROJECTS" and len(fields) > 1 and fields[1].isdigit()
        ):
            fields[1] = str(int(fields[1]) * 100)
        lines.append(";".join(fields))
    return "\n".join(lines) + "\n"


def random_prepared(seed: int, hundreds: bool = True):
    """(text, Prepared) of the seeded random election; Prepared is None without voters."""
    from budgeting.tallies.election import Election
    from budgeting.tallies.mes import Prepared

    text = random_election(random.Random(seed), "cumulative" if seed % 4 == 3 else "approval")
    text = in_hundreds(text) if hundreds else text
    election = Election.from_pabulib(*parse(text))
    return (text, Prepared.build(election)) if election.num_voters else (text, None)


@pytest.mark.parametrize("seed", range(300))
def test_mes_add1_leaps_on_random_instances(seed):
    from budgeting.tallies.mes import mes_add1

    text, prepared = random_prepared(seed)
    if prepared is None:
        return
    run, increment = mes_add1(prepared)
    assert (run.selected, increment) == every_increment(prepared), text


def test_mes_add1_keeps_a_run_made_without_a_guide():
    # Wieliczka stops inside a window (increment 150): the kept run is made again plainly,
    # so its explanations name every project found unaffordable, as the run at that share.
    from budgeting.pabulib import parse_file
    from budgeting.tallies.election import Election
    from budgeting.tallies.mes import Prepared, mes_add1, run_mes

    prepared = Prepared.build(Election.from_pabulib(*parse_file(pb_file("poland_wieliczka_2023"))))
    run, increment = mes_add1(prepared)
    base = prepared.election.budget / prepared.election.num_voters
    plain = run_mes(prepared, base + increment)
    assert increment == 150
    assert (run.selected, run.unaffordable, run.funded) == (
        plain.selected,
        plain.unaffordable,
        plain.funded,
    )


def pabutools_mes_at(text: str, share) -> list[str]:
    """pabutools' MES with every voter starting with ``share`` (an integer total budget)."""
    instance, profile = oracle.load(text=text)
    total = share * profile.num_ballots()
    assert total.denominator == 1
    instance.budget_limit = int(total)
    return oracle.mes(instance, profile)


# Shares raised by these increments, and guides this far above them.
RAISES = [0, 1, 7, 40, 250]
GUIDE_GAPS = [0, 1, 3, 30]


@pytest.mark.parametrize("seed", range(150))
def test_guided_runs_select_as_runs_without_a_guide(seed):
    """A guide (a run at a share at least this one) changes the work, never the selection."""
    from budgeting.tallies.mes import run_mes

    text, prepared = random_prepared(seed, hundreds=seed % 2 == 0)
    if prepared is None:
        return
    election = prepared.election
    base = election.budget / election.num_voters
    ids = election.ids
    for raise_by in RAISES:
        share = base + raise_by
        plain = run_mes(prepared, share)
        if raise_by in (0, 7):  # the plain runs themselves against pabutools
            assert [ids[p] for p in plain.selected] == pabutools_mes_at(text, share), text
        for gap in GUIDE_GAPS:
            guide = run_mes(prepared, share + gap)
            # A guide guided in turn, from further up: its bounds hold as well.
            chained = run_mes(prepared, share + gap, guide=run_mes(prepared, share + 2 * gap + 1))
            for lead in (guide, chained):
                guided = run_mes(prepared, share, guide=lead)
                assert guided.selected == plain.selected, (text, raise_by, gap)
                assert [r[0] for r in guided.rounds] == [r[0] for r in plain.rounds]
                assert guided.funded.keys() == plain.funded.keys()
                for p, funded in guided.funded.items():
                    assert funded.rho == pytest.approx(plain.funded[p].rho, rel=1e-12)


def test_guides_save_evaluations_on_random_instances():
    # The guides of the test above do their work: over the random elections they save
    # evaluations, and in many a run following a guide one increment above evaluates fewer.
    from budgeting.tallies.mes import run_mes

    plain_total = guided_total = fewer = 0
    for seed in range(150):
        _, prepared = random_prepared(seed)
        if prepared is None:
            continue
        base = prepared.election.budget / prepared.election.num_voters
        for raise_by in RAISES:
            plain = run_mes(prepared, base + raise_by)
            guided = run_mes(
                prepared, base + raise_by, guide=run_mes(prepared, base + raise_by + 1)
            )
            plain_total += plain.evaluations
            guided_total += guided.evaluations
            fewer += guided.evaluations < plain.evaluations
    assert guided_total < 0.75 * plain_total
    assert fewer >= 300


# Round 1 ties "x" and "y" (rho 1/4 each: four supporters paying 30), round 3 ties "a" and "b"
# (1/3: three supporters paying 30, each holding 70 after the first two rounds): both ties at
# the floor, the second after payments.
FLOOR_TIE = """META
key;value
num_projects;4
num_votes;6
budget;600
vote_type;approval
PROJECTS
project_id;cost
x;120
y;120
a;90
b;90
VOTES
voter_id;vote
1;x,a
2;x,a,b
3;x,y
4;x,y
5;y,a,b
6;y,b
"""


def test_exact_ties_at_the_floor_are_settled_without_exact_budgets(monkeypatch):
    from budgeting.tallies.election import Election
    from budgeting.tallies.mes import Prepared, _Run, run_mes

    def refuse(self, project):
        raise AssertionError("the floor settles this tie")

    election = Election.from_pabulib(*parse(FLOOR_TIE))
    prepared = Prepared.build(election)
    monkeypatch.setattr(_Run, "exact_rho_now", refuse)
    run = run_mes(prepared, election.budget / election.num_voters)
    monkeypatch.undo()
    selected = [election.ids[p] for p in run.selected]
    assert selected == oracle.mes(*oracle.load(text=FLOOR_TIE)) == ["x", "y", "a", "b"]


# Round 1 funds "z" (rho 1/6), leaving voter 5 with nothing. Round 2 ties "a" (four supporters
# paying 30: its floor 1/4) with "b", whose four other supporters pay 22.5 each: rho 1/4 too,
# but above its floor 1/5 since voter 5 pays nothing. Exactly equal: "a" first, by id.
TIE_OFF_THE_FLOOR = """META
key;value
num_projects;3
num_votes;14
budget;1400
vote_type;approval
PROJECTS
project_id;cost
z;600
a;120
b;90
VOTES
voter_id;vote
1;a
2;a
3;a
4;a
5;z,b
6;z
7;z
8;z
9;z
10;z
11;b
12;b
13;b
14;b
"""


def test_a_tie_off_the_floor_is_decided_in_exact_arithmetic():
    result = tally(*parse(TIE_OFF_THE_FLOOR), "mes")
    assert result.selected == oracle.mes(*oracle.load(text=TIE_OFF_THE_FLOOR)) == ["z", "a", "b"]


# The three voters hold 100 between them, ten billionths short of "near": too close to call
# in floats, "near" is found unaffordable in exact arithmetic; "exact" costs exactly 100.
NEAR_CALL = """META
key;value
num_projects;3
num_votes;3
budget;100
vote_type;approval
PROJECTS
project_id;cost
near;100.0000000001
exact;100
other;60
VOTES
voter_id;vote
1;near,exact,other
2;near,exact
3;near,exact
"""


def test_supporters_holding_almost_exactly_the_cost_are_decided_exactly():
    result = tally(*parse(NEAR_CALL), "mes")
    assert result.selected == oracle.mes(*oracle.load(text=NEAR_CALL)) == ["exact"]
    assert result.outcomes["near"].reason_key == "mes_unaffordable"
