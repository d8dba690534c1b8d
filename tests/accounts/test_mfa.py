"""Two-factor authentication is required for every staff account (docs/specification.md §1)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from civicportal.accounts import roles
from tests.accounts.factories import (
    DEFAULT_PASSWORD,
    TOTP_SECRET,
    StaffFactory,
    UserFactory,
    fresh_totp_code,
)

pytestmark = pytest.mark.django_db


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", ["/admin/", "/admin/accounts/user/", "/staff/anything/"])
def test_staff_without_mfa_is_sent_to_set_up_totp(client, path):
    staff = StaffFactory(role=roles.ADMINISTRATOR)
    client.force_login(staff)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_activate_totp')}?next={path}"


def test_staff_with_totp_is_admitted_to_the_admin(client):
    staff = StaffFactory(role=roles.ADMINISTRATOR)
    TOTP.activate(staff, TOTP_SECRET)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_residents_pages_do_not_ask_staff_for_mfa(client):
    client.force_login(StaffFactory())
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_resident_reaching_the_admin_is_sent_to_sign_in_as_staff(client, resident):
    client.force_login(resident)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "mfa" not in response["Location"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_login_has_no_password_only_path(client, method):
    staff = StaffFactory(role=roles.ADMINISTRATOR, mfa=True)
    response = getattr(client, method)(
        "/admin/login/", {"username": staff.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_signed_in(client)


def test_staff_login_asks_for_the_totp_code_then_admits(client):
    staff = StaffFactory(role=roles.ADMINISTRATOR, mfa=True)
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_signed_in(client)  # the password alone is not enough

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert not is_signed_in(client)

    response = client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code(TOTP_SECRET)})
    assert response.status_code == 302
    assert is_signed_in(client)
    assert client.get("/admin/").status_code == 200


def test_staff_sets_up_totp_after_signing_in_and_then_reaches_the_admin(client):
    staff = StaffFactory(role=roles.MODERATOR)
    client.post(reverse("account_login"), {"login": staff.email, "password": DEFAULT_PASSWORD})
    assert is_signed_in(client)

    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("mfa_activate_totp"))
    # allauth asks for the password again before an authenticator is added.
    assert response.request["PATH_INFO"] == reverse("account_reauthenticate")
    response = client.post(
        response.redirect_chain[-1][0], {"password": DEFAULT_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("mfa_activate_totp")

    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": fresh_totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


def test_resident_login_needs_no_second_factor(client):
    resident = UserFactory()
    response = client.post(
        reverse("account_login"), {"login": resident.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert is_signed_in(client)
