"""census_hash and census_import from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicportal.accounts import roles
from civicportal.accounts.census import hash_identifier
from civicportal.accounts.models import CensusEntry, CensusImport
from tests.accounts.factories import ResidencyRequestFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_census_hash_then_import_verifies_a_waiting_resident(tmp_path, area):
    raw = tmp_path / "census-raw.csv"
    raw.write_text("identifier,area\n120174-3389,old-town\n010203 4455,\n", encoding="utf-8")
    hashed = tmp_path / "census-hashed.csv"
    resident = UserFactory()
    ResidencyRequestFactory(user=resident, area=area, identifier_hash=hash_identifier("1201743389"))

    call_command("census_hash", str(raw), "-o", str(hashed), stderr=io.StringIO())
    content = hashed.read_text(encoding="utf-8")
    assert "120174" not in content and "0102034455" not in content
    assert content.splitlines()[0] == "identifier_hash,area"

    out = io.StringIO()
    call_command("census_import", str(hashed), stdout=out)
    assert "Imported 2 census entries from census-hashed.csv; 1 waiting residents verified." in (
        out.getvalue()
    )
    resident.refresh_from_db()
    assert resident.is_verified
    assert CensusImport.objects.get().imported_by is None


def test_census_hash_writes_to_standard_output(tmp_path, capsys):
    raw = tmp_path / "raw.csv"
    raw.write_text("identifier\n1201743389\n", encoding="utf-8")
    call_command("census_hash", str(raw))
    assert capsys.readouterr().out == f"identifier_hash\n{hash_identifier('1201743389')}\n"


def test_census_hash_refuses_duplicates_and_empty_identifiers(tmp_path):
    raw = tmp_path / "raw.csv"
    raw.write_text("identifier\n1201743389\n120174-3389\n -- \n", encoding="utf-8")
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError) as excinfo:
        call_command("census_hash", str(raw), "-o", str(target))
    message = str(excinfo.value)
    assert "Line 3: the same identifier is already on line 2." in message
    assert "Line 4: the identifier is empty." in message
    assert not target.exists()


def test_census_import_of_a_bad_file_fails_with_the_line_and_changes_nothing(tmp_path, area):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"identifier_hash,area\n{'a' * 64},old-town\n{'b' * 64},atlantis\n")
    with pytest.raises(CommandError) as excinfo:
        call_command("census_import", str(bad))
    assert excinfo.value.returncode == 1
    assert 'Line 3: there is no area with the slug "atlantis".' in str(excinfo.value)
    assert "nothing changed" in str(excinfo.value)
    assert not CensusEntry.objects.exists()


def test_census_import_of_a_missing_file_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("census_import", str(tmp_path / "nope.csv"))


def test_census_import_by_a_named_administrator(tmp_path, administrator):
    good = tmp_path / "good.csv"
    good.write_text(f"identifier_hash\n{'c' * 64}\n")
    call_command("census_import", str(good), "--by", administrator.email, stdout=io.StringIO())
    assert CensusImport.objects.get().imported_by == administrator


def test_census_import_by_someone_not_allowed_is_refused(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(f"identifier_hash\n{'c' * 64}\n")
    moderator = StaffFactory(role=roles.MODERATOR)
    with pytest.raises(CommandError, match="Only an administrator"):
        call_command("census_import", str(good), "--by", moderator.email)
    assert not CensusEntry.objects.exists()


def test_census_import_prints_plain_progress_lines_when_not_on_a_terminal(tmp_path, area):
    census = tmp_path / "census.csv"
    rows = "".join(f"{i:064x},old-town\n" for i in range(2500))
    census.write_text(f"identifier_hash,area\n{rows}", encoding="utf-8")
    err = io.StringIO()
    call_command("census_import", str(census), stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    lines = text.splitlines()
    assert "\r" not in text and "\x1b" not in text  # no bar redrawn in place
    assert lines[0] == "Reading the file"
    assert "0/2,500 lines · Checking and storing the lines" in lines
    assert lines[-1] == "2,500/2,500 lines · Verifying the waiting residents who match"
    assert len(lines) < 10  # throttled: not a line per row
    assert CensusEntry.objects.count() == 2500


def test_census_import_draws_a_bar_on_a_terminal(tmp_path, area):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    census = tmp_path / "census.csv"
    census.write_text(f"identifier_hash\n{'d' * 64}\n{'e' * 64}\n", encoding="utf-8")
    err = Terminal()
    call_command("census_import", str(census), stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert "\r[" + "#" * 30 + "] 100% 2/2 lines" in text
    assert text.endswith("\n") and text.count("\n") == 1


def test_census_import_quiet_prints_no_progress(tmp_path):
    census = tmp_path / "census.csv"
    census.write_text(f"identifier_hash\n{'f' * 64}\n", encoding="utf-8")
    err = io.StringIO()
    call_command("census_import", str(census), verbosity=0, stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""
    assert CensusEntry.objects.count() == 1
