"""allauth flows: sign-up, mandatory email verification, no enumeration, reauthentication."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from civicportal.accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-password-9"


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def visible_text(response, *, replace: tuple[str, ...] = ()) -> str:
    """The page as a visitor sees it, minus per-request tokens and what they typed."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'<meta name="csrf-token" content="[^"]*">', "", html)
    for text in replace:
        html = html.replace(text, "TYPED")
    return html


def confirmation_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def sign_up(client, email: str, **extra):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **extra},
    )


def test_sign_up_verify_email_then_log_in(client, area):
    response = sign_up(client, "new.resident@example.org", display_name="Ása", home_area=area.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_signed_in(client)  # verification is mandatory

    user = User.objects.get(email="new.resident@example.org")
    assert (user.display_name, user.home_area) == ("Ása", area)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.resident@example.org"]
    path = confirmation_path(mail.outbox[0])

    # Following the link shows a confirmation button; only the POST confirms.
    assert client.get(path).status_code == 200
    assert not EmailAddress.objects.get(user=user).verified
    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    response = client.post(
        reverse("account_login"), {"login": "new.resident@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert is_signed_in(client)


def test_unverified_email_cannot_log_in(client):
    user = UserFactory(email_verified=False)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_signed_in(client)
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_sign_up_with_an_existing_email_looks_like_any_sign_up(resident):
    first, second = Client(), Client()
    new = sign_up(first, "someone.new@example.org")
    existing = sign_up(second, resident.email)
    assert (new.status_code, new["Location"]) == (existing.status_code, existing["Location"])
    assert visible_text(
        first.get(new["Location"]), replace=("someone.new@example.org",)
    ) == visible_text(second.get(existing["Location"]), replace=(resident.email,))
    assert User.objects.filter(email__iexact=resident.email).count() == 1
    # The owner of the address is told by email, not the visitor on the page.
    assert [m.to for m in mail.outbox] == [["someone.new@example.org"], [resident.email]]


def test_login_with_unknown_email_looks_like_a_wrong_password(client, resident):
    unknown = Client().post(
        reverse("account_login"), {"login": "nobody@example.org", "password": "wrong-password-1"}
    )
    wrong = client.post(
        reverse("account_login"), {"login": resident.email, "password": "wrong-password-1"}
    )
    assert unknown.status_code == wrong.status_code == 200
    assert visible_text(unknown, replace=("nobody@example.org",)) == visible_text(
        wrong, replace=(resident.email,)
    )
    assert not is_signed_in(client)


def test_password_reset_for_unknown_email_looks_like_a_known_one(resident):
    first, second = Client(), Client()
    known = first.post(reverse("account_reset_password"), {"email": resident.email})
    unknown = second.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert visible_text(first.get(known["Location"]), replace=(resident.email,)) == visible_text(
        second.get(unknown["Location"]), replace=("nobody@example.org",)
    )


def test_email_change_requires_reauthentication(client, resident):
    client.force_login(resident)
    response = client.post(
        reverse("account_email"), {"email": "moved@example.org", "action_add": ""}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="moved@example.org").exists()

    response = client.post(response["Location"], {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    added = EmailAddress.objects.get(email="moved@example.org")
    assert added.user == resident and not added.verified
    assert mail.outbox[-1].to == ["moved@example.org"]


def test_reauthentication_with_a_wrong_password_changes_nothing(client, resident):
    client.force_login(resident)
    response = client.post(
        reverse("account_email"), {"email": "moved@example.org", "action_add": ""}
    )
    response = client.post(response["Location"], {"password": "not-my-password"})
    assert response.status_code == 200
    assert not EmailAddress.objects.filter(email="moved@example.org").exists()


# --- Rate limits (docs/specification.md §6: sign-up, login, posting and voting) -----------------


def test_sign_up_login_and_password_reset_are_rate_limited(settings):
    limits = settings.ACCOUNT_RATE_LIMITS
    assert limits, "ACCOUNT_RATE_LIMITS is off: DISABLE_RATE_LIMITS is for benchmarks only"
    for action in ("signup", "login", "login_failed", "reset_password"):
        assert limits.get(action), action


def test_sign_up_past_the_limit_is_refused_with_a_page(client, settings, english):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "2/m/ip"}
    for n in range(2):
        assert sign_up(client, f"resident{n}@example.org").status_code == 302
    response = sign_up(client, "resident2@example.org")
    assert response.status_code == 429
    assert "Too many attempts in a short time" in response.text
    assert not User.objects.filter(email="resident2@example.org").exists()


def test_failed_logins_lock_the_address_for_a_while(client, resident, settings, english):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/key"}
    url = reverse("account_login")
    for _ in range(3):
        client.post(url, {"login": resident.email, "password": "wrong-password-1"})
    response = client.post(url, {"login": resident.email, "password": DEFAULT_PASSWORD})
    assert "Too many failed login attempts" in response.text
    assert not is_signed_in(client)
