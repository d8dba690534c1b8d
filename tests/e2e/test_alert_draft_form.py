"""The alert author's draft form: no CAP code is chosen for them, each must be chosen; and
an alert without Icelandic text says so on the draft and on the approval screen, before
Icelandic subscribers would get it in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from alerts.models import Alert, AlertSubscription
from tests.accounts.factories import AreaFactory, UserFactory
from tests.alerts.factories import approver, author
from tests.e2e.journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODES = ("CAP category", "Severity", "Urgency", "Certainty", "Response type")


def test_the_draft_starts_empty_requires_each_code_and_warns_of_missing_icelandic(
    page: Page, browser: Browser, site
):
    old_town = AreaFactory(name="Old Town", slug="old-town")
    icelandic = UserFactory(preferred_language="is")
    AlertSubscription.objects.create(user=icelandic).areas.set([old_town])
    writer = author(email="author@example.org")
    sign_in(page, site, writer.email, staff=True)
    page.goto(f"{site}/staff/alerts/new/")
    for label in CODES:
        select = page.get_by_label(label, exact=True)
        expect(select).to_have_value("")
        expect(select.locator("option:checked")).to_have_text("Choose…")

    # Saving without choosing them is refused, naming each; what was typed stays.
    page.get_by_label("Headline", exact=True).fill("Gas leak on Mill Lane")
    page.get_by_label("Event", exact=True).fill("Gas leak")
    page.get_by_label(re.compile("^Instruction: what")).fill("Leave Mill Lane now.")
    page.get_by_label("Description", exact=True).fill("A gas main broke under the road.")
    page.get_by_label("Old Town").check()
    page.get_by_label("Expires").fill("2099-01-01T12:00")
    page.get_by_role("button", name="Save").click()
    summary = page.locator("[data-error-summary]")
    for label in CODES:
        expect(summary).to_contain_text(f"{label}: This field is required.")
    expect(page.get_by_label("Headline", exact=True)).to_have_value("Gas leak on Mill Lane")
    assert not Alert.objects.exists()

    page.get_by_label("CAP category", exact=True).select_option("Safety")
    page.get_by_label("Severity", exact=True).select_option("Severe")
    page.get_by_label("Urgency", exact=True).select_option("Immediate")
    page.get_by_label("Certainty", exact=True).select_option("Observed")
    page.get_by_label("Response type", exact=True).select_option("Evacuate")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-alert-state]")).to_have_text("Draft")
    alert = Alert.objects.get()
    assert (alert.severity, alert.messages.get().category) == ("Severe", "Safety")

    # The draft says Icelandic readers would get English, and how to add Icelandic.
    warning = page.locator('[data-language-missing="is"]')
    expect(warning).to_contain_text("No Icelandic text.")
    expect(warning).to_contain_text("will receive the whole message in English")
    expect(warning).to_contain_text("1 of the people it reaches now reads Icelandic")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.locator("[data-alert-state]")).to_have_text("Waiting for approval")

    # So does the approval screen, before anything goes out.
    second = browser.new_context(locale="en-GB").new_page()
    sign_in(second, site, approver(email="approver@example.org").email, staff=True)
    second.goto(f"{site}/staff/alerts/messages/{alert.messages.get().pk}/approve/")
    expect(second.locator('[data-language-missing="is"]')).to_contain_text(
        "Subscribers who read Icelandic will receive the whole message in English."
    )
    second.context.close()
