"""The repository stands alone: nothing in it reads from outside it, the reference data is
its own (tests/data/), and a missing data file fails the tests instead of silently running
zero cases.

The two checks against the whole tree (git grep, a copy collected elsewhere) need a git
checkout, as every clone is.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.data_files import DATA_DIR, MissingTestDataError, data_file, data_files

ROOT = Path(__file__).resolve().parents[1]
# The test modules that read files of tests/data/, collected in the copy below.
DATA_MODULES = ["tests/alerts/test_cap.py", "tests/budgeting"]
# This project grew up in a folder named so, beside a shared folder holding the reference
# data; the strings are assembled here so that this file does not match its own search.
LAYOUT_ROOT = "/" + "work"
SHARED_NAME = "shared"
SHARED_FOLDER = "/".join(["..", SHARED_NAME])


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )


def _repository_files() -> list[str]:
    """Tracked files and the new ones not ignored (work not committed yet counts too)."""
    listed = _git("ls-files", "--cached", "--others", "--exclude-standard", "-z")
    assert listed.returncode == 0, f"git ls-files failed in {ROOT}: {listed.stderr}"
    return sorted({name for name in listed.stdout.split("\0") if name})


# --- The data helper ---------------------------------------------------------------------


def test_data_files_raises_naming_the_folder_when_it_is_empty(tmp_path):
    with pytest.raises(MissingTestDataError, match=re.escape(str(tmp_path))):
        data_files(tmp_path, "*.pb")


def test_data_files_raises_when_only_other_files_are_there(tmp_path):
    (tmp_path / "notes.txt").write_text("not a ballot file")
    (tmp_path / "folder.pb").mkdir()
    with pytest.raises(MissingTestDataError, match=r"\*\.pb"):
        data_files(tmp_path, "*.pb")


def test_data_files_lists_the_matching_files_sorted(tmp_path):
    for name in ("b.pb", "a.pb", "c.txt"):
        (tmp_path / name).write_text("")
    assert data_files(tmp_path, "*.pb") == [tmp_path / "a.pb", tmp_path / "b.pb"]


def test_data_file_raises_naming_the_missing_file(tmp_path):
    with pytest.raises(MissingTestDataError, match=re.escape(str(tmp_path / "cap12.xsd"))):
        data_file(tmp_path / "cap12.xsd")
    assert issubclass(MissingTestDataError, FileNotFoundError)


def test_data_helpers_read_the_repository_own_folder():
    assert DATA_DIR == ROOT / "tests" / "data"
    assert data_file("cap/cap12.xsd") == DATA_DIR / "cap" / "cap12.xsd"
    assert [p.name for p in data_files("pabulib", "*.pb")] == [
        "netherlands_amsterdam_621.pb",
        "poland_czestochowa_2020_grabowka.pb",
        "poland_katowice_2020.pb",
        "poland_warszawa_2021_mokotow.pb",
        "poland_wieliczka_2023.pb",
        "poland_wroclaw_2020.pb",
    ]


# --- The data itself ---------------------------------------------------------------------


def test_every_data_file_is_listed_with_its_checksum_and_unchanged():
    """SHA256SUMS lists exactly the data files, and each one still has its published bytes."""
    sums = {}
    for line in (DATA_DIR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    present = {
        path.relative_to(DATA_DIR).as_posix()
        for path in DATA_DIR.rglob("*")
        if path.is_file() and path.name not in {"README.md", "SHA256SUMS", ".gitattributes"}
    }
    assert present == set(sums)
    changed = [
        name
        for name, digest in sums.items()
        if hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() != digest
    ]
    assert changed == []


def test_every_data_file_has_its_source_and_licence_in_the_readme():
    readme = (DATA_DIR / "README.md").read_text()
    for path in [*data_files("pabulib", "*.pb"), data_file("cap/cap12.xsd")]:
        assert path.name in readme
    assert readme.count("Licence.") == 2  # one paragraph per source: Pabulib, OASIS


# --- Nothing reaches outside the repository -----------------------------------------------


def _outside(root: Path = ROOT) -> re.Pattern:
    """An absolute path starting with the layout's root, a relative path up into the shared
    folder, or the checkout's own absolute path. Ordinary words containing the layout's root
    ("/workers", an API path with the same word between slashes) do not match."""
    return re.compile(
        rf"(?<![\w.~/-]){re.escape(LAYOUT_ROOT)}(?![\w.-])"
        rf"|{re.escape(SHARED_FOLDER)}"
        rf"|{re.escape(str(root))}(?![\w.-])"
    )


def test_no_file_names_a_path_outside_the_repository():
    """No absolute path into the folder the project grew up in, nor to this checkout's own
    location, nor a relative path up into a shared folder: on another machine they break.

    Searched: every tracked file and every new file not ignored (``git grep --untracked``),
    text only, lock files aside (they name package registries, nothing of ours). The
    fixed-string search is wide; ``_outside()`` then keeps only the paths.
    """
    patterns = [LAYOUT_ROOT, SHARED_FOLDER, str(ROOT)]
    options = [arg for pattern in patterns for arg in ("-e", pattern)]
    searched = _git("grep", "-n", "-I", "--untracked", "-F", *options, "--", ".", ":!*.lock")
    # git grep exits 1 when nothing matches, 0 with matches; anything else is an error,
    # which must not pass for "nothing found".
    assert searched.returncode in (0, 1), f"git grep failed: {searched.stderr}"
    offending = [line for line in searched.stdout.splitlines() if _outside().search(line)]
    assert offending == []


def test_the_search_for_outside_paths_catches_each_way_of_writing_one():
    caught = [
        f'Path("{LAYOUT_ROOT}/{SHARED_NAME}/data/pabulib")',
        f"Read `{SHARED_FOLDER}/STYLE.md`",
        f"cd {LAYOUT_ROOT}/main && make test",
        f"ROOT = Path('{LAYOUT_ROOT}') / 'main'",
        f"see ../{SHARED_FOLDER}/data",
        f"open({str(ROOT)!r})",
    ]
    api_path = f"/api/v1{LAYOUT_ROOT}/"
    ordinary = [api_path, "bench/workers.py", "celery -A civicportal worker", f"~{LAYOUT_ROOT}/x"]
    assert [line for line in caught if not _outside().search(line)] == []
    assert [line for line in ordinary if _outside().search(line)] == []


# --- A copy elsewhere collects the same tests ----------------------------------------------


def _collect(tree: Path, modules: list[str] = DATA_MODULES) -> subprocess.CompletedProcess:
    """``pytest --collect-only`` of ``modules``, run in ``tree`` with this interpreter and
    this environment (minus any PYTHONPATH that could point back here)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *modules],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )


def _collected(tree: Path) -> list[str]:
    done = _collect(tree)
    assert done.returncode == 0, f"collection failed in {tree}:\n{done.stdout}\n{done.stderr}"
    return sorted(line for line in done.stdout.splitlines() if "::" in line)


@pytest.mark.slow
def test_copy_elsewhere_collects_the_same_data_tests_and_fails_without_the_data(tmp_path):
    """The repository's files copied to a folder outside this layout collect the same,
    non-zero set of data-dependent tests as this checkout; with a data folder emptied, the
    copy's collection fails naming it (the copy reads its own data, and loudly)."""
    copy = tmp_path / "clone"
    for name in _repository_files():
        source = ROOT / name
        if source.is_file():  # listed but deleted in the working tree: not part of it
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)

    here = _collected(ROOT)
    assert len(here) > 50, here  # every reference file yields its own cases
    assert _collected(copy) == here

    for pb in (copy / "tests" / "data" / "pabulib").glob("*.pb"):
        pb.unlink()
    done = _collect(copy)
    assert done.returncode != 0
    assert "MissingTestDataError" in done.stdout + done.stderr
    assert str(copy / "tests" / "data" / "pabulib") in done.stdout + done.stderr

    (copy / "tests" / "data" / "cap" / "cap12.xsd").unlink()
    done = _collect(copy, ["tests/alerts/test_cap.py"])
    assert done.returncode != 0
    assert str(copy / "tests" / "data" / "cap" / "cap12.xsd") in done.stdout + done.stderr
