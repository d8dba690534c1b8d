"""The reference data the tests read, kept in the repository under ``tests/data/``.

Every test, fixture and script that reads a data file finds it through this module, so that
a missing file stops the run with an error naming the folder: a test parametrised over an
empty glob would otherwise collect zero cases and pass. What each file is, where it comes
from and its licence: ``tests/data/README.md``.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


class MissingTestDataError(FileNotFoundError):
    """A data file the tests need is not in the repository's ``tests/data/``."""


def data_files(folder: str | Path, pattern: str) -> list[Path]:
    """The files of ``folder`` (relative to ``tests/data/``, or absolute) matching the glob
    ``pattern``, sorted; raises ``MissingTestDataError`` when there is none."""
    directory = DATA_DIR / folder
    paths = sorted(path for path in directory.glob(pattern) if path.is_file())
    if not paths:
        raise MissingTestDataError(
            f"No test data file matches {pattern!r} in {directory}: the reference data lives "
            "in the repository (tests/data/, see its README.md); restore the files there."
        )
    return paths


def data_file(relative: str | Path) -> Path:
    """The file at ``relative`` under ``tests/data/`` (or an absolute path); raises
    ``MissingTestDataError`` when it is not there."""
    path = DATA_DIR / relative
    if not path.is_file():
        raise MissingTestDataError(
            f"Test data file {path} is missing: the reference data lives in the repository "
            "(tests/data/, see its README.md); restore it there."
        )
    return path
