"""A resident signs up; the verification email speaks as the council (never the sign-in
library's "Hello from example.com!"), in English or Icelandic, and its link signs them in
(issue 18, point 4)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "Harbour lights at dusk 42"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


@pytest.fixture(autouse=True)
def council(settings):
    settings.SITE_NAME = "Riverside Voice"
    settings.COUNCIL_NAME = "Riverside City Council"
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Riverside Voice] "


def footer(language: str) -> str:
    with translation.override(language):
        return translation.gettext(
            "You receive this message from %(site_name)s, the participation portal of "
            "%(council_name)s."
        ) % {"site_name": "Riverside Voice", "council_name": "Riverside City Council"}


def sign_up(page: Page, site: str, email: str, name: str) -> None:
    form = page.locator("form").filter(has=page.locator("input[name=password2]"))
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=display_name]").fill(name)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))


def confirm_and_expect_signed_in(page: Page, site: str, name: str, link: str) -> None:
    assert link.startswith(site)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    # The voluntary profile questions come once after sign-up, and can be skipped (in the
    # resident's language: the button is found by what it does).
    expect(page).to_have_url(re.compile(r"/profile/questions/"))
    page.locator('main button[name="action"][value="skip"]').click()
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_role("banner").get_by_text(name, exact=True)).to_be_visible()


def test_resident_reads_the_councils_email_and_its_link_signs_them_in(page: Page, site):
    page.goto(f"{site}/accounts/signup/")
    sign_up(page, site, "anna@example.org", "Anna")

    [message] = mail.outbox
    text = f"{message.subject}\n{message.body}"
    assert "example.com" not in text
    assert "Hello from" not in text
    assert message.subject == "[Riverside Voice] Confirm your email address"
    assert message.body.startswith("Hello Anna,")
    assert "Riverside City Council" in message.body
    assert footer("en") in message.body

    confirm_and_expect_signed_in(page, site, "Anna", CONFIRM_LINK.search(message.body).group(0))


def test_resident_signing_up_in_icelandic_reads_the_email_in_icelandic(page: Page, site):
    assert footer("is") != footer("en")
    page.goto(f"{site}/accounts/signup/")
    page.get_by_role("button", name="Íslenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "is")
    sign_up(page, site, "sigga@example.org", "Sigga")

    [message] = mail.outbox
    text = f"{message.subject}\n{message.body}"
    assert "example.com" not in text
    assert "Riverside City Council" in message.body
    assert footer("is") in message.body
    assert footer("en") not in message.body

    confirm_and_expect_signed_in(page, site, "Sigga", CONFIRM_LINK.search(message.body).group(0))
