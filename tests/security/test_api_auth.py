"""Staff powers need a verified second factor on every path; API tokens expire, are stored
hashed and die when what they were issued for changes (docs/specification.md §10).

A session counts as second-factor verified when the account has an authenticator and the
sign-in passed it (allauth records each step in the session); a token counts when it was
created from such a session. Residents are not asked for a second factor anywhere.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from alerts import services as alert_services
from alerts.models import AlertMessage, CapStatus
from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
from civicportal.accounts import roles
from tests.accounts.factories import (
    DEFAULT_PASSWORD,
    TOTP_SECRET,
    StaffFactory,
    UserFactory,
    fresh_totp_code,
)
from tests.alerts import factories as alert_factories

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/me/token/"


def sign_in(user, *, second_factor: bool = False) -> APIClient:
    """Sign in through allauth's own pages (password, then the TOTP code if asked)."""
    client = APIClient()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, response.content
    if second_factor:
        assert response["Location"] == reverse("mfa_authenticate")
        response = client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code()})
        assert response.status_code == 302, response.content
    assert "_auth_user_id" in client.session
    return client


def token_client(session_client: APIClient) -> tuple[APIClient, str]:
    """Create a token from a signed-in session; a client that sends only the token."""
    response = session_client.post(TOKEN_URL)
    assert response.status_code == 201, response.content
    key = response.json()["key"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, key


def approve(client: APIClient, alert):
    """Approve the alert's pending message through the API, naming the version reviewed."""
    message = alert.messages.get()
    return client.post(
        f"/api/v1/alerts/messages/{message.pk}/approve/",
        {"version": alert_services.message_version(message)},
    )


def assert_refused_for_second_factor(response) -> None:
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "second_factor_required"
    assert "two-factor" in error["message"]


def approved(alert) -> bool:
    return alert.messages.get().state == AlertMessage.State.PUBLISHED


def api_token_model():
    from civicportal.kernel.models import ApiToken

    return ApiToken


# --- Staff powers need the second factor, by session or by token --------------------------


def test_staff_without_mfa_cannot_approve_an_alert_through_the_api_with_the_session():
    approver = StaffFactory(role=ALERT_APPROVER)
    alert = alert_factories.pending()
    client = sign_in(approver)

    assert_refused_for_second_factor(approve(client, alert))
    assert not approved(alert)


def test_staff_without_mfa_cannot_approve_an_alert_with_a_token_minted_from_that_session():
    approver = StaffFactory(role=ALERT_APPROVER)
    alert = alert_factories.pending()
    client, _key = token_client(sign_in(approver))

    assert_refused_for_second_factor(approve(client, alert))
    assert not approved(alert)


def test_staff_signed_in_with_the_second_factor_may_approve_by_session():
    approver = StaffFactory(role=ALERT_APPROVER, mfa=True)
    alert = alert_factories.pending()
    client = sign_in(approver, second_factor=True)

    response = approve(client, alert)
    assert response.status_code == 200, response.content
    assert approved(alert)


def test_staff_signed_in_with_the_second_factor_may_approve_with_a_token_from_that_session():
    approver = StaffFactory(role=ALERT_APPROVER, mfa=True)
    alert = alert_factories.pending()
    session = sign_in(approver, second_factor=True)
    assert session.get(TOKEN_URL).json()["exists"] is False
    client, _key = token_client(session)
    assert session.get(TOKEN_URL).json()["second_factor"] is True

    response = approve(client, alert)
    assert response.status_code == 200, response.content
    assert approved(alert)


def test_a_session_signed_in_before_an_authenticator_was_added_elsewhere_must_confirm_it():
    approver = StaffFactory(role=ALERT_APPROVER)
    alert = alert_factories.pending()
    client = sign_in(approver)
    # Set up from another session (or by an administrator): this sign-in never passed it.
    TOTP.activate(approver, TOTP_SECRET)

    assert_refused_for_second_factor(approve(client, alert))
    staff_page = client.get("/staff/alerts/")
    assert staff_page.status_code == 302
    assert staff_page["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not approved(alert)

    response = client.post(reverse("mfa_reauthenticate"), {"code": fresh_totp_code()})
    assert response.status_code == 302, response.content
    assert approve(client, alert).status_code == 200
    assert approved(alert)


def test_a_session_whose_authenticator_was_removed_loses_staff_powers():
    approver = StaffFactory(role=ALERT_APPROVER, mfa=True)
    alert = alert_factories.pending()
    client = sign_in(approver, second_factor=True)
    Authenticator.objects.filter(user=approver).delete()  # an administrator's MFA reset

    assert_refused_for_second_factor(approve(client, alert))
    assert not approved(alert)


def test_a_superusers_blanket_powers_need_the_second_factor_too():
    superuser = StaffFactory(is_superuser=True)
    draft = alert_factories.draft()
    client, _key = token_client(sign_in(superuser))

    # Alert staff see drafts; a superuser without a verified second factor does not.
    assert client.get(f"/api/v1/alerts/{draft.pk}/").status_code == 404


def test_staff_roles_refuse_a_request_that_did_not_pass_the_second_factor():
    from civicportal.kernel.second_factor import mark_second_factor

    moderator = StaffFactory(role=roles.MODERATOR, is_superuser=True, mfa=True)
    mark_second_factor(moderator, verified=False)
    assert not moderator.has_perm("core.moderate_content")
    assert not moderator.has_module_perms("core")
    # What any resident may do stays allowed.
    assert moderator.has_perm("core.add_comment")

    mark_second_factor(moderator, verified=True)
    assert moderator.has_perm("core.moderate_content")


def test_residents_use_the_api_with_a_token_without_a_second_factor():
    resident = UserFactory()
    client, _key = token_client(sign_in(resident))
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == resident.email


# --- Tokens: stored hashed, expiring ------------------------------------------------------


def test_a_token_is_stored_only_as_a_digest():
    resident = UserFactory()
    _client, key = token_client(sign_in(resident))

    token = api_token_model().objects.get(user=resident)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.digest, token.fingerprint}
    # The old raw-key table is gone.
    assert "authtoken_token" not in connection.introspection.table_names()


def test_a_residents_token_expires_after_the_resident_ttl(settings):
    settings.API_TOKEN_TTL_RESIDENT_DAYS = 30
    session = sign_in(UserFactory())
    before = timezone.now()
    created = session.post(TOKEN_URL).json()
    expiry = created["expiry"]
    assert expiry is not None
    assert session.get(TOKEN_URL).json()["expiry"] == expiry
    token = api_token_model().objects.get()
    assert before + timedelta(days=30) <= token.expires_at <= timezone.now() + timedelta(days=30)


def test_a_staff_token_expires_after_the_staff_ttl(settings):
    settings.API_TOKEN_TTL_STAFF_HOURS = 2
    session = sign_in(StaffFactory(role=roles.MODERATOR))
    before = timezone.now()
    token_client(session)
    token = api_token_model().objects.get()
    assert before + timedelta(hours=2) <= token.expires_at <= timezone.now() + timedelta(hours=2)


def test_the_default_ttls_are_90_days_for_residents_and_12_hours_for_staff():
    from django.conf import settings

    assert settings.API_TOKEN_TTL_RESIDENT_DAYS == 90
    assert settings.API_TOKEN_TTL_STAFF_HOURS == 12


def test_an_expired_token_is_refused_with_a_clear_message_and_deleted():
    resident = UserFactory()
    client, _key = token_client(sign_in(resident))
    api_token_model().objects.filter(user=resident).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]
    assert not api_token_model().objects.filter(user=resident).exists()


def test_rotating_with_a_token_does_not_outlive_the_token_used():
    approver = StaffFactory(role=ALERT_APPROVER, mfa=True)
    client, _key = token_client(sign_in(approver, second_factor=True))
    first = api_token_model().objects.get(user=approver)

    response = client.post(TOKEN_URL)
    assert response.status_code == 201
    second = api_token_model().objects.get(user=approver)
    assert second.digest != first.digest
    assert second.expires_at <= first.expires_at
    assert second.second_factor is True


def test_a_malformed_token_header_answers_401_not_500():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token \xff\xfe")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token-at-all")
    assert client.get("/api/v1/me/").status_code == 401


# --- Tokens die on password change, MFA reset and role removal, on every path -------------


def _change_password_in_the_shell(user) -> None:
    user.set_password("another-long-password-2")
    user.save()


def _change_password_on_the_account_page(user) -> None:
    client = APIClient()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "another-long-password-2",
            "password2": "another-long-password-2",
        },
    )
    assert response.status_code == 302, response.content


def _change_password_in_the_admin(user) -> None:
    admin = StaffFactory(role=roles.ADMINISTRATOR, mfa=True)
    client = APIClient()
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {
            "password1": "another-long-password-2",
            "password2": "another-long-password-2",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content


@pytest.mark.parametrize(
    "change",
    [
        _change_password_in_the_shell,
        _change_password_on_the_account_page,
        _change_password_in_the_admin,
    ],
)
def test_a_token_dies_when_the_password_changes(change):
    resident = UserFactory()
    client, _key = token_client(sign_in(resident))
    assert client.get("/api/v1/me/").status_code == 200

    change(resident)

    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "password" in response.json()["error"]["message"]
    assert not api_token_model().objects.filter(user=resident).exists()


def test_a_token_dies_when_the_authenticator_is_reset():
    approver = StaffFactory(role=ALERT_APPROVER, mfa=True)
    client, _key = token_client(sign_in(approver, second_factor=True))
    assert client.get("/api/v1/me/").status_code == 200

    Authenticator.objects.filter(user=approver).delete()
    TOTP.activate(approver, TOTP_SECRET)  # even once a new one is set up

    assert client.get("/api/v1/me/").status_code == 401
    assert not api_token_model().objects.filter(user=approver).exists()


def _remove_role_group(user) -> None:
    user.groups.remove(Group.objects.get(name=ALERT_APPROVER))


def _clear_groups(user) -> None:
    user.groups.clear()


def _remove_staff_status(user) -> None:
    user.is_staff = False
    user.save(update_fields=["is_staff"])


def _remove_superuser_status(user) -> None:
    user.is_superuser = False
    user.save(update_fields=["is_superuser"])


def _deactivate(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


@pytest.mark.parametrize(
    "removal",
    [
        _remove_role_group,
        _clear_groups,
        _remove_staff_status,
        _remove_superuser_status,
        _deactivate,
    ],
)
def test_a_token_dies_when_a_staff_role_is_removed(removal):
    approver = StaffFactory(role=ALERT_APPROVER, is_superuser=True, mfa=True)
    client, _key = token_client(sign_in(approver, second_factor=True))
    assert client.get("/api/v1/me/").status_code == 200

    removal(approver)

    assert client.get("/api/v1/me/").status_code == 401
    assert not api_token_model().objects.filter(user=approver).exists()


def test_a_token_of_a_role_removed_in_the_admin_dies():
    approver = StaffFactory(role=ALERT_APPROVER, mfa=True)
    client, _key = token_client(sign_in(approver, second_factor=True))
    admin = StaffFactory(role=roles.ADMINISTRATOR, mfa=True)
    admin_client = APIClient()
    admin_client.force_login(admin)
    page = admin_client.get(f"/admin/accounts/user/{approver.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and name != "groups"
    }
    data.update(email=approver.email, is_active="on", is_staff="on", groups=[])
    data = {key: value for key, value in data.items() if value is not False}
    response = admin_client.post(f"/admin/accounts/user/{approver.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert not approver.groups.exists()

    assert client.get("/api/v1/me/").status_code == 401


def test_an_alert_exercise_is_not_shown_to_a_token_without_the_second_factor():
    author = StaffFactory(role=ALERT_AUTHOR)
    exercise = alert_factories.published(status=CapStatus.EXERCISE)
    client, _key = token_client(sign_in(author))
    assert client.get(f"/api/v1/alerts/{exercise.pk}/").status_code == 404
