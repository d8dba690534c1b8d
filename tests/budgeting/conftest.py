"""Fixtures for the database-free Pabulib and tally tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA_DIR = Path("/work/shared/data/pabulib")
EXPECTED_DIR = Path(__file__).resolve().parent / "expected"
PB_FILES = sorted(DATA_DIR.glob("*.pb"))
# Small enough for live pabutools runs in the test suite (under a second each).
SMALL_FILES = ["poland_czestochowa_2020_grabowka", "poland_wieliczka_2023"]


def expected(stem: str) -> dict:
    return json.loads((EXPECTED_DIR / f"{stem}.json").read_text())


@pytest.fixture(scope="session")
def parsed():
    """Parsed reference files, cached for the session: stem -> (Instance, Profile)."""
    from budgeting.pabulib import parse_file

    cache: dict = {}

    def get(stem: str):
        if stem not in cache:
            cache[stem] = parse_file(DATA_DIR / f"{stem}.pb")
        return cache[stem]

    return get


@pytest.fixture
def resident(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(verified=True)


@pytest.fixture
def officer(db):
    from civicportal.accounts import roles
    from tests.accounts.factories import StaffFactory

    return StaffFactory(role=roles.BUDGET_OFFICER, mfa=True)
