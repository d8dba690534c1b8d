"""Fixtures for the database-free Pabulib and tally tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.data_files import data_file, data_files

EXPECTED_DIR = Path(__file__).resolve().parent / "expected"
# Raises (and so fails the collection) when the folder holds no .pb file: tests parametrised
# over an empty list would run zero cases and pass.
PB_FILES = data_files("pabulib", "*.pb")
# Small enough for live pabutools runs in the test suite (under a second each).
SMALL_FILES = ["poland_czestochowa_2020_grabowka", "poland_wieliczka_2023"]


def pb_file(stem: str) -> Path:
    """The reference file ``tests/data/pabulib/<stem>.pb``; raises when it is missing."""
    return data_file(f"pabulib/{stem}.pb")


def expected(stem: str) -> dict:
    return json.loads((EXPECTED_DIR / f"{stem}.json").read_text())


@pytest.fixture(scope="session")
def parsed():
    """Parsed reference files, cached for the session: stem -> (Instance, Profile)."""
    from budgeting.pabulib import parse_file

    cache: dict = {}

    def get(stem: str):
        if stem not in cache:
            cache[stem] = parse_file(pb_file(stem))
        return cache[stem]

    return get


@pytest.fixture
def resident(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(verified=True)


@pytest.fixture
def officer(db):
    from budgeting.roles import BUDGET_OFFICER
    from tests.accounts.factories import StaffFactory

    return StaffFactory(role=BUDGET_OFFICER, mfa=True)
