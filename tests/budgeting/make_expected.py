"""Compute pabutools' outcomes on the reference Pabulib files and store them as JSON.

The files are the repository's own, in tests/data/pabulib/ (see tests/data/README.md).

pabutools is slow (about 20 s for one MES run on Wrocław 2020, far longer for mes-add1), so
the tests compare against these stored outputs. Re-run after upgrading pabutools:

    .venv/bin/python -m tests.budgeting.make_expected                 # greedy + mes, all files
    .venv/bin/python -m tests.budgeting.make_expected --rule mes-add1 poland_wieliczka_2023

Each file gets tests/budgeting/expected/<name>.json holding, per rule, the selected project ids
in pabutools' order and the seconds pabutools took; rules already stored are kept.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tests.budgeting import oracle
from tests.data_files import DATA_DIR as TEST_DATA_DIR
from tests.data_files import data_files

DATA_DIR = TEST_DATA_DIR / "pabulib"
EXPECTED_DIR = Path(__file__).resolve().parent / "expected"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="file stems (default: every .pb file)")
    parser.add_argument("--rule", action="append", choices=sorted(oracle.RULES))
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    rules = args.rule or ["greedy", "mes"]
    paths = data_files(args.data_dir.resolve(), "*.pb")
    if args.names:
        missing = sorted(set(args.names) - {p.stem for p in paths})
        if missing:
            parser.error(f"no such .pb file in {args.data_dir}: {', '.join(missing)}")
        paths = [p for p in paths if p.stem in args.names]
    EXPECTED_DIR.mkdir(exist_ok=True)
    for path in paths:
        out = EXPECTED_DIR / f"{path.stem}.json"
        data = json.loads(out.read_text()) if out.exists() else {}
        instance, profile = oracle.load(str(path))
        data["file"] = path.name
        data["vote_type"] = instance.meta["vote_type"]
        data["pabutools"] = "1.2.3"
        for rule in rules:
            started = time.perf_counter()
            selected = oracle.RULES[rule](instance, profile)
            seconds = round(time.perf_counter() - started, 2)
            data[rule] = {"selected": selected, "seconds": seconds}
            print(f"{path.name} {rule}: {len(selected)} projects in {seconds} s", flush=True)
            out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
