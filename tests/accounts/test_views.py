"""The resident's profile and residency verification pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicportal.accounts.census import hash_identifier
from civicportal.accounts.models import ResidencyRequest
from tests.accounts.factories import AreaFactory, ResidencyRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["accounts:profile", "accounts:verification"])
def test_account_pages_need_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_page_shows_details_and_links(client, resident):
    client.force_login(resident)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    html = response.content.decode()
    assert resident.email in html
    for name in ("accounts:verification", "account_email", "account_change_password", "mfa_index"):
        assert f'href="{reverse(name)}"' in html
    assert 'for="id_display_name"' in html


def test_profile_form_saves_through_the_service(client, resident, area):
    client.force_login(resident)
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "Sigga", "preferred_language": "is", "home_area": area.pk},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.display_name, resident.preferred_language, resident.home_area) == (
        "Sigga",
        "is",
        area,
    )


def test_profile_form_shows_errors_and_keeps_input(client, resident):
    client.force_login(resident)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "Keep me", "preferred_language": "xx"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["preferred_language"]
    assert 'value="Keep me"' in response.content.decode()
    resident.refresh_from_db()
    assert resident.display_name != "Keep me"


def test_verified_resident_cannot_move_area_from_the_profile_form(client):
    resident = UserFactory(verified=True)
    home = resident.home_area
    client.force_login(resident)
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "Jón", "preferred_language": "en", "home_area": AreaFactory().pk},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.home_area == home
    assert resident.display_name == "Jón"


def test_verification_page_offers_the_form_to_an_unverified_resident(client, resident, area):
    client.force_login(resident)
    response = client.get(reverse("accounts:verification"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are not verified as a resident yet." in html
    assert 'name="area"' in html and 'name="identifier"' in html


def test_verification_request_is_sent_and_shown_as_waiting(client, resident, area):
    client.force_login(resident)
    response = client.post(
        reverse("accounts:verification"), {"area": area.pk, "note": "Main Street 1"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "is waiting for review" in html
    assert 'name="identifier"' not in html  # no second request while one waits
    assert ResidencyRequest.objects.get(user=resident).note == "Main Street 1"


def test_verification_request_with_census_identifier_verifies_at_once(
    client, resident, area, administrator
):
    from civicportal.accounts.models import CensusEntry, CensusImport

    batch = CensusImport.objects.create(file_name="c.csv", row_count=1)
    CensusEntry.objects.create(
        identifier_hash=hash_identifier("1201743389"), area=area, census_import=batch
    )
    client.force_login(resident)
    response = client.post(
        reverse("accounts:verification"),
        {"area": area.pk, "identifier": "120174-3389"},
        follow=True,
    )
    assert "You are verified as a resident of Old Town." in response.content.decode()
    resident.refresh_from_db()
    assert resident.is_verified


def test_verification_request_errors_are_shown_on_the_form(client, resident, area):
    client.force_login(resident)
    response = client.post(reverse("accounts:verification"), {"area": area.pk, "note": ""})
    assert response.status_code == 200
    assert "Give your address, or your identity number" in response.content.decode()
    assert not ResidencyRequest.objects.exists()


def test_verification_page_shows_the_staff_reason_of_a_rejection(client, resident, area):
    ResidencyRequestFactory(
        user=resident,
        area=area,
        status=ResidencyRequest.Status.REJECTED,
        reviewed_at="2026-01-01T00:00:00Z",
        staff_reason="We could not find that address.",
    )
    client.force_login(resident)
    html = client.get(reverse("accounts:verification")).content.decode()
    assert "We could not find that address." in html
    assert 'name="area"' in html  # may try again
