"""`make run` as a newcomer types it: a local trial that says where it serves.

`make -n` prints the commands a target would run without running them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def dry_run(*args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SITE_URL", "SEED_DEMO"}}
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def line_running(lines: list[str], needle: str) -> str:
    matches = [line for line in lines if needle in line]
    assert matches, f"no command runs {needle!r}: {lines}"
    return matches[-1]


def test_make_run_on_another_port_makes_links_name_that_port():
    runserver = line_running(dry_run("run", "PORT=8300"), "runserver")
    assert "SITE_URL=http://127.0.0.1:8300 " in runserver
    assert runserver.endswith("runserver 127.0.0.1:8300")


def test_make_run_is_a_debug_trial_that_seeds_only_an_empty_embedded_database():
    lines = dry_run("run")
    assert "DEBUG=1 " in line_running(lines, "runserver")
    seed = line_running(lines, "seed_demo")
    assert "DEBUG=1 " in seed
    assert seed.endswith("seed_demo --if-empty --only-embedded")


def test_seeding_anything_else_must_be_asked_for():
    seed = line_running(dry_run("run", "SEED_DEMO=1"), "seed_demo")
    assert "--if-empty" not in seed
    assert "--only-embedded" not in seed
