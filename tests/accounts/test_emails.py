"""Account emails speak as the council, in the reader's language, and confirming the address
signs the resident in (issue 18, point 4)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sites.models import Site
from django.contrib.sites.shortcuts import get_current_site
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from civicportal.accounts.sites import site_sync
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Harbour lights at dusk 42"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)")


@pytest.fixture(autouse=True)
def council(settings):
    settings.SITE_NAME = "Riverside Voice"
    settings.COUNCIL_NAME = "Riverside City Council"
    settings.SITE_URL = "https://voice.riverside.example"
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Riverside Voice] "


def footer(language: str) -> str:
    """The portal's footer line, as the catalogue of ``language`` words it."""
    with translation.override(language):
        return translation.gettext(
            "You receive this message from %(site_name)s, the participation portal of "
            "%(council_name)s."
        ) % {"site_name": "Riverside Voice", "council_name": "Riverside City Council"}


def sign_up(client, email: str, **extra):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, **extra},
    )


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def assert_speaks_as_the_council(message) -> None:
    text = f"{message.subject}\n{message.body}"
    assert "example.com" not in text
    assert "Hello from" not in text and "Thank you for using" not in text
    assert message.subject.startswith("[Riverside Voice] ")
    assert "Riverside City Council" in message.body
    assert "https://voice.riverside.example" in message.body


def test_verification_email_names_the_council_and_the_resident(client):
    sign_up(client, "ada@example.org", display_name="Ada")
    [message] = mail.outbox
    assert_speaks_as_the_council(message)
    assert message.subject == "[Riverside Voice] Confirm your email address"
    assert message.body.startswith("Hello Ada,\n")
    assert footer("en") in message.body
    assert CONFIRM_LINK.search(message.body)


def test_verification_email_is_in_icelandic_for_a_resident_browsing_in_icelandic(client):
    assert footer("is") != footer("en"), "the Icelandic catalogue lacks the footer"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "is"
    sign_up(client, "sigga@example.org", display_name="Sigga")
    [message] = mail.outbox
    assert_speaks_as_the_council(message)
    assert footer("is") in message.body
    assert footer("en") not in message.body


def test_confirming_the_address_signs_the_resident_in(client):
    sign_up(client, "ada@example.org")
    path = CONFIRM_LINK.search(mail.outbox[0].body).group(1)
    assert not is_signed_in(client)
    assert client.get(path).status_code == 200  # the page with the Confirm button
    response = client.post(path)
    assert response.status_code == 302
    assert is_signed_in(client)
    assert EmailAddress.objects.get(email="ada@example.org").verified


def test_confirming_from_another_browser_verifies_but_does_not_sign_in(client):
    sign_up(client, "ada@example.org")
    path = CONFIRM_LINK.search(mail.outbox[0].body).group(1)
    elsewhere = Client()
    elsewhere.post(path)
    assert EmailAddress.objects.get(email="ada@example.org").verified
    assert not is_signed_in(elsewhere)  # a leaked link opens no session


def test_staff_confirming_their_address_still_give_their_second_factor(client):
    staff = StaffFactory(mfa=True, email_verified=False)
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    path = CONFIRM_LINK.search(mail.outbox[-1].body).group(1)
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_signed_in(client)


def test_password_reset_email_speaks_as_the_council_in_the_accounts_language(client):
    resident = UserFactory(display_name="Jón", preferred_language="is")
    client.post(reverse("account_reset_password"), {"email": resident.email})
    [message] = mail.outbox
    assert_speaks_as_the_council(message)
    with translation.override("is"):
        greeting = translation.gettext("Hello %(name)s,") % {"name": "Jón"}
    assert greeting != "Hello Jón,", "the Icelandic catalogue lacks the greeting"
    assert message.body.startswith(f"{greeting}\n")
    assert footer("is") in message.body
    assert "/accounts/password/reset/key/" in message.body


def test_unknown_and_existing_account_emails_speak_as_the_council(client):
    resident = UserFactory(preferred_language="en")
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    Client().post(
        reverse("account_signup"),
        {"email": resident.email, "password1": PASSWORD, "password2": PASSWORD},
    )
    unknown, existing = mail.outbox
    for message in (unknown, existing):
        assert_speaks_as_the_council(message)
    assert "/accounts/signup/" in unknown.body
    assert "/accounts/password/reset/" in existing.body


def test_every_migrate_names_the_site_after_the_portal(settings):
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"name": "example.com"})
    site_sync()
    site = get_current_site(RequestFactory().get("/"))
    assert (site.name, site.domain) == ("Riverside Voice", "voice.riverside.example")
