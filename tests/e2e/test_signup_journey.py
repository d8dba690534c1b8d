"""A resident signs up, confirms their email address (which signs them in) and sees their
profile."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

EMAIL = "anna.jonsdottir@example.org"
PASSWORD = "Harbour lights at dusk 42"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


def test_resident_signs_up_confirms_email_and_reaches_profile(page: Page, site):
    page.goto(f"{site}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your city, your say")

    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("Display name").fill("Anna")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Verify"))
    assert [message.to for message in mail.outbox] == [[EMAIL]]
    link = CONFIRM_LINK.search(mail.outbox[0].body).group(0)
    assert link.startswith(site)

    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    # Confirming in the browser that signed up (where the password was typed) signs in; the
    # voluntary profile questions come once first, and can be skipped.
    expect(page).to_have_url(re.compile(r"/profile/questions/\?next=%2F$"))
    page.get_by_role("button", name="Skip").click()
    expect(page).to_have_url(f"{site}/")
    header = page.get_by_role("banner")
    header.get_by_text("Anna", exact=True).click()  # opens the account menu
    header.get_by_role("link", name="Your profile").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(page.get_by_role("main")).to_contain_text(EMAIL)


def test_sign_up_with_mismatched_passwords_keeps_what_was_typed(page: Page, site):
    page.goto(f"{site}/accounts/signup/")

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill("something else entirely")
    page.get_by_role("button", name="Sign Up").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value(EMAIL)
    assert mail.outbox == []
