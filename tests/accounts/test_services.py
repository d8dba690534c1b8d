"""Residency verification, census imports and profile updates, on PostgreSQL."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles, services
from civicportal.accounts.census import hash_identifier, normalise_identifier
from civicportal.accounts.models import CensusEntry, CensusImport, ResidencyRequest
from tests.accounts.factories import (
    AreaFactory,
    ResidencyRequestFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def census_file(*lines: str) -> io.BytesIO:
    data = io.BytesIO("\n".join(lines).encode("utf-8"))
    data.name = "census.csv"
    return data


# --- Identifier hashing --------------------------------------------------------------------


def test_identifier_is_normalised_before_hashing(settings):
    settings.CENSUS_HASH_KEY = "k"
    assert normalise_identifier(" 120174-3389 ") == "1201743389"
    assert hash_identifier("120174-3389") == hash_identifier("120174 3389")
    assert hash_identifier("ab-12") == hash_identifier("AB12")
    assert len(hash_identifier("1201743389")) == 64


def test_identifier_hash_depends_on_the_census_key(settings):
    settings.CENSUS_HASH_KEY = "one"
    first = hash_identifier("1201743389")
    settings.CENSUS_HASH_KEY = "two"
    assert hash_identifier("1201743389") != first


def test_empty_identifier_has_no_hash():
    assert hash_identifier(" - ") == ""


# --- Residency requests --------------------------------------------------------------------


def test_residency_request_create_stores_only_the_hash(resident, area):
    request = services.residency_request_create(
        user=resident, area=area, note="Main Street 1", identifier="120174-3389"
    )
    request.refresh_from_db()
    assert request.status == ResidencyRequest.Status.PENDING
    assert request.identifier_hash == hash_identifier("1201743389")
    assert "1201743389" not in str(ResidencyRequest.objects.filter(pk=request.pk).values().get())
    assert not resident.is_verified


def test_residency_request_needs_an_address_or_identifier(resident, area):
    with pytest.raises(ValidationError) as excinfo:
        services.residency_request_create(user=resident, area=area, note="  ", identifier="")
    assert "note" in excinfo.value.error_dict
    assert not ResidencyRequest.objects.exists()


def test_residency_request_create_refuses_a_second_pending_request(resident, area):
    services.residency_request_create(user=resident, area=area, note="Main Street 1")
    with pytest.raises(ValidationError, match="already have a request"):
        services.residency_request_create(user=resident, area=area, note="Main Street 2")
    assert ResidencyRequest.objects.filter(user=resident).count() == 1


def test_database_allows_only_one_pending_request_per_user(resident, area):
    ResidencyRequestFactory(user=resident, area=area)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidencyRequest.objects.create(user=resident, area=area, note="again")


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_create_one_pending_request():
    """Two tabs submitting at the same moment: the row lock lets exactly one through."""
    resident = UserFactory()
    area = AreaFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(note: str) -> None:
        try:
            barrier.wait(timeout=5)
            services.residency_request_create(user=resident, area=area, note=note)
            outcomes.append("created")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(f"Street {i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused"]
    assert ResidencyRequest.objects.filter(user=resident).count() == 1


def test_residency_request_approve_verifies_the_resident_in_the_area(resident, area, administrator):
    request = services.residency_request_create(user=resident, area=area, note="Main Street 1")
    services.residency_request_approve(residency_request=request, actor=administrator)
    request.refresh_from_db()
    resident.refresh_from_db()
    assert request.status == ResidencyRequest.Status.APPROVED
    assert request.reviewed_by == administrator
    assert request.reviewed_at is not None
    assert resident.is_verified
    assert resident.home_area == area


def test_residency_request_reject_needs_a_reason_and_keeps_resident_unverified(
    resident, area, administrator
):
    request = services.residency_request_create(user=resident, area=area, note="Main Street 1")
    with pytest.raises(ValidationError):
        services.residency_request_reject(residency_request=request, actor=administrator, reason="")
    services.residency_request_reject(
        residency_request=request, actor=administrator, reason="That address is not in Old Town."
    )
    request.refresh_from_db()
    resident.refresh_from_db()
    assert request.status == ResidencyRequest.Status.REJECTED
    assert request.staff_reason == "That address is not in Old Town."
    assert not resident.is_verified
    # A rejected resident may try again.
    services.residency_request_create(user=resident, area=area, note="Main Street 1, flat 2")


def test_residency_request_is_reviewed_only_once(resident, area, administrator):
    request = services.residency_request_create(user=resident, area=area, note="Main Street 1")
    services.residency_request_approve(residency_request=request, actor=administrator)
    with pytest.raises(ValidationError, match="already reviewed"):
        services.residency_request_reject(
            residency_request=request, actor=administrator, reason="Changed my mind"
        )


@pytest.mark.parametrize("role", [None, roles.MODERATOR, BUDGET_OFFICER])
def test_residency_request_review_needs_an_administrator(resident, area, role):
    request = services.residency_request_create(user=resident, area=area, note="Main Street 1")
    actor = StaffFactory(role=role) if role else UserFactory()
    with pytest.raises(PermissionDenied):
        services.residency_request_approve(residency_request=request, actor=actor)
    with pytest.raises(PermissionDenied):
        services.residency_request_reject(residency_request=request, actor=actor, reason="No")
    request.refresh_from_db()
    assert request.is_pending


def test_verified_resident_who_moved_stays_verified_until_the_new_request_is_approved(
    area, administrator
):
    resident = UserFactory(verified=True)
    old_area = resident.home_area
    request = services.residency_request_create(user=resident, area=area, note="New Street 5")
    resident.refresh_from_db()
    assert resident.is_verified and resident.home_area == old_area
    services.residency_request_approve(residency_request=request, actor=administrator)
    resident.refresh_from_db()
    assert resident.home_area == area


# --- Census import -------------------------------------------------------------------------


def test_census_import_verifies_waiting_residents_who_match(area, administrator):
    other_area = AreaFactory(slug="harbour")
    matching = UserFactory()
    wrong_area = UserFactory()
    not_listed = UserFactory()
    services.residency_request_create(user=matching, area=area, identifier="111111-1111")
    services.residency_request_create(user=wrong_area, area=area, identifier="222222-2222")
    services.residency_request_create(user=not_listed, area=area, identifier="333333-3333")

    batch = services.census_import(
        file=census_file(
            "identifier_hash,area",
            f"{hash_identifier('1111111111')},old-town",
            f"{hash_identifier('2222222222')},harbour",
            f"{hash_identifier('4444444444')},",
        ),
        actor=administrator,
    )

    assert batch.row_count == 3
    assert batch.matched_count == 1
    assert batch.imported_by == administrator
    assert CensusEntry.objects.count() == 3
    assert CensusEntry.objects.get(identifier_hash=hash_identifier("2222222222")).area == other_area
    for user in (matching, wrong_area, not_listed):
        user.refresh_from_db()
    assert matching.is_verified and matching.home_area == area
    assert not wrong_area.is_verified
    assert not not_listed.is_verified
    request = ResidencyRequest.objects.get(user=matching)
    assert request.status == ResidencyRequest.Status.APPROVED and request.matched_census
    assert request.reviewed_by is None


def test_resident_on_the_census_is_verified_when_they_ask(area, administrator):
    services.census_import(
        file=census_file("identifier_hash", hash_identifier("5555555555")), actor=administrator
    )
    resident = UserFactory()
    request = services.residency_request_create(user=resident, area=area, identifier="555555 5555")
    assert request.status == ResidencyRequest.Status.APPROVED
    assert request.matched_census
    assert resident.is_verified
    resident.refresh_from_db()
    assert resident.is_verified and resident.home_area == area


def test_census_import_again_updates_entries_instead_of_duplicating(area, administrator):
    digest = hash_identifier("6666666666")
    services.census_import(file=census_file("identifier_hash", digest), actor=administrator)
    second = services.census_import(
        file=census_file("identifier_hash,area", f"{digest},old-town"), actor=administrator
    )
    entry = CensusEntry.objects.get()
    assert entry.area == area
    assert entry.census_import == second


def test_census_import_accepts_upper_case_hashes_a_bom_and_blank_lines(area, administrator):
    digest = hash_identifier("7777777777")
    data = io.BytesIO(f"\ufeffidentifier_hash\r\n{digest.upper()}\r\n\r\n".encode())
    services.census_import(file=data, actor=None, file_name="windows.csv")
    assert CensusEntry.objects.get().identifier_hash == digest
    assert CensusImport.objects.get().imported_by is None


GOOD = "a" * 64
GOOD2 = "b" * 64


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["identifier,area", GOOD], 'Line 1: the header must be "identifier_hash"'),
        (["identifier_hash", GOOD, "not-a-hash"], "Line 3: the value is not an identifier hash"),
        (["identifier_hash", GOOD, "1201743389"], "Line 3: the value is not an identifier hash"),
        (["identifier_hash,area", GOOD + ",old-town", GOOD2 + ",atlantis"], "Line 3: there is no"),
        (["identifier_hash", GOOD, GOOD2, GOOD.upper()], "Line 4: the same identifier hash"),
        (["identifier_hash", GOOD, GOOD2 + ",old-town"], "Line 3: expected 1 column(s), found 2"),
        (["identifier_hash"], "no rows"),
        ([], "empty"),
    ],
)
def test_census_import_refuses_a_malformed_file_whole(area, administrator, lines, expected):
    before = (CensusEntry.objects.count(), CensusImport.objects.count())
    with pytest.raises(ValidationError) as excinfo:
        services.census_import(file=census_file(*lines), actor=administrator)
    assert any(expected in message for message in excinfo.value.messages), excinfo.value.messages
    assert (CensusEntry.objects.count(), CensusImport.objects.count()) == before


def test_census_import_does_not_echo_raw_identifiers_in_errors(administrator):
    with pytest.raises(ValidationError) as excinfo:
        services.census_import(
            file=census_file("identifier_hash", "120174-3389"), actor=administrator
        )
    assert "120174" not in " ".join(excinfo.value.messages)


def test_census_import_refuses_text_that_is_not_utf8(administrator):
    data = io.BytesIO(b"identifier_hash\n" + GOOD.encode() + b"\n\xff\xfe\n")
    with pytest.raises(ValidationError, match="Line 3: the file is not UTF-8"):
        services.census_import(file=data, actor=administrator)
    assert not CensusEntry.objects.exists()


def test_census_import_reports_every_bad_line(administrator):
    lines = ["identifier_hash"] + [f"bad{i}" for i in range(30)]
    with pytest.raises(ValidationError) as excinfo:
        services.census_import(file=census_file(*lines), actor=administrator)
    messages = excinfo.value.messages
    assert messages[0].startswith("Line 2:")
    assert "and 10 more errors" in messages[-1]


def test_census_import_needs_an_administrator():
    moderator = StaffFactory(role=roles.MODERATOR)
    with pytest.raises(PermissionDenied):
        services.census_import(file=census_file("identifier_hash", GOOD), actor=moderator)
    assert not CensusEntry.objects.exists()


# --- Profile -------------------------------------------------------------------------------


def test_profile_update_changes_the_resident_s_own_fields(resident, area):
    services.profile_update(
        user=resident, display_name="Gunna", preferred_language="is", home_area=area
    )
    resident.refresh_from_db()
    assert (resident.display_name, resident.preferred_language, resident.home_area) == (
        "Gunna",
        "is",
        area,
    )


def test_profile_update_refuses_other_fields(resident):
    with pytest.raises(ValidationError):
        services.profile_update(user=resident, is_staff=True)
    resident.refresh_from_db()
    assert not resident.is_staff


def test_profile_update_keeps_a_verified_resident_s_area(area):
    resident = UserFactory(verified=True)
    with pytest.raises(ValidationError, match="send a new residency request"):
        services.profile_update(user=resident, home_area=area)
    # Saving the same area (as the profile form does) is fine.
    services.profile_update(user=resident, home_area=resident.home_area, display_name="Jón")
