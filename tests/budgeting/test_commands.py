"""``manage.py pabulib tally`` (no database: these tests have no django_db mark)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.budgeting.conftest import expected, pb_file

ROOT = Path(__file__).resolve().parents[2]


def run_tally(path, rule: str) -> list[str]:
    out = StringIO()
    call_command("pabulib", "tally", str(path), "--rule", rule, stdout=out)
    return out.getvalue().split()


@pytest.mark.parametrize("rule", ["greedy", "mes", "mes-add1"])
def test_tally_prints_selected_ids_in_selection_order(rule):
    stem = "poland_wieliczka_2023"
    assert run_tally(pb_file(stem), rule) == expected(stem)[rule]["selected"]


def test_tally_of_cumulative_file():
    stem = "poland_czestochowa_2020_grabowka"
    assert run_tally(pb_file(stem), "mes") == expected(stem)["mes"]["selected"]


def test_tally_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run_tally(tmp_path / "missing.pb", "greedy")


def test_tally_malformed_file_names_the_line(tmp_path):
    path = tmp_path / "bad.pb"
    text = pb_file("poland_wieliczka_2023").read_text(encoding="utf-8")
    lines = text.split("\n")
    lines[20] = "39;Budki;cheap;418;1"  # line 21: a project whose cost is not a number
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.pb: line 21: cost 'cheap' of project '39'"):
        run_tally(path, "mes")


def test_tally_unsupported_vote_type_is_a_command_error(tmp_path):
    path = tmp_path / "ordinal.pb"
    text = pb_file("poland_wieliczka_2023").read_text(encoding="utf-8")
    path.write_text(text.replace("vote_type;approval", "vote_type;ordinal"), encoding="utf-8")
    with pytest.raises(CommandError, match="vote_type 'ordinal' cannot be tallied"):
        run_tally(path, "greedy")


def _subprocess_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    # The embedded default database would live here; the directory does not exist, so any
    # database access would fail the command.
    env["SQLITE_PATH"] = str(tmp_path / "absent" / "db.sqlite3")
    return env


def test_tally_command_runs_without_a_database(tmp_path):
    stem = "poland_wroclaw_2020"
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "pabulib",
            "tally",
            str(pb_file(stem)),
            "--rule",
            "greedy",
        ],
        cwd=ROOT,
        env=_subprocess_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == expected(stem)["greedy"]["selected"]
    assert not (tmp_path / "absent").exists()


def test_tally_command_error_exits_non_zero(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "pabulib", "tally", str(tmp_path / "missing.pb")],
        cwd=ROOT,
        env=_subprocess_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "no such file" in done.stderr


def test_tally_output_cut_short_by_its_reader_is_not_an_error(tmp_path):
    """``manage.py pabulib tally file | head -1``: the reader leaves early; no traceback."""
    tally = subprocess.Popen(
        [sys.executable, "manage.py", "pabulib", "tally", str(pb_file("poland_wroclaw_2020"))],
        cwd=ROOT,
        env=_subprocess_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    tally.stdout.close()  # the reader is gone before a line is written
    _out, errors = tally.communicate(timeout=60)
    assert tally.returncode == 0
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors
