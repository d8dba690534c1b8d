"""An alert author drafts an alert, a second staff member approves it, the banner appears
for a resident on every page; the author cancels it (one step) and the banner goes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
from tests.accounts.factories import (
    AreaFactory,
    StaffFactory,
    UserFactory,
)
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e


def test_two_people_publish_an_alert_the_banner_shows_and_goes_on_cancel(
    page: Page, browser: Browser, site
):
    AreaFactory(name="Old Town", slug="old-town")
    resident = UserFactory(email="anna@example.org")
    author = StaffFactory(role=ALERT_AUTHOR, mfa=True, email="author@example.org")
    approver = StaffFactory(role=ALERT_APPROVER, mfa=True, email="approver@example.org")

    # The author drafts and sends it for approval.
    staff = browser.new_context(locale="en-GB").new_page()
    sign_in(staff, site, author.email, staff=True)
    staff.goto(f"{site}/staff/alerts/new/")
    staff.get_by_label("Headline", exact=True).fill("Gas leak on Mill Lane")
    staff.get_by_label("Event", exact=True).fill("Gas leak")
    staff.get_by_label("CAP category", exact=True).select_option("Safety")
    staff.get_by_label("Severity", exact=True).select_option("Extreme")
    staff.get_by_label("Urgency", exact=True).select_option("Immediate")
    staff.get_by_label("Certainty", exact=True).select_option("Observed")
    staff.get_by_label("Response type", exact=True).select_option("Evacuate")
    staff.get_by_label(re.compile("^Instruction: what")).fill("Leave Mill Lane now.")
    staff.get_by_label("Description", exact=True).fill("A gas main broke under the road.")
    staff.get_by_label("Old Town").check()
    staff.get_by_label("Expires").fill("2099-01-01T12:00")
    staff.get_by_role("button", name="Save").click()
    expect(staff.locator("[data-alert-state]")).to_have_text("Draft")
    staff.get_by_role("button", name="Send for approval").click()
    expect(staff.locator("[data-alert-state]")).to_have_text("Waiting for approval")

    # Nothing public yet.
    sign_in(page, site, resident.email)
    page.goto(f"{site}/")
    expect(page.locator("[data-alert-banner]")).to_have_count(0)

    # A second person approves, seeing what goes out.
    second = browser.new_context(locale="en-GB").new_page()
    sign_in(second, site, approver.email, staff=True)
    second.goto(f"{site}/staff/alerts/")
    second.get_by_role("link", name=re.compile("Gas leak on Mill Lane")).first.click()
    expect(second.locator("[data-preview]").first).to_contain_text("Leave Mill Lane now.")
    second.locator("[data-approve]").click()
    expect(second.locator("[data-alert-state]")).to_have_text("Published")
    second.context.close()

    # The resident sees the banner on every page, and the alert page.
    for path in ("/", "/privacy/"):
        page.goto(f"{site}{path}")
        banner = page.locator("[data-alert-banner]")
        expect(banner).to_contain_text("Gas leak on Mill Lane")
        expect(banner).to_contain_text("Extreme danger")
    page.locator("[data-alert-banner]").get_by_role("link", name=re.compile("What to do")).click()
    expect(page.locator("[data-alert-instruction]")).to_have_text("Leave Mill Lane now.")

    # The author cancels it in one step; the banner goes.
    staff.goto(f"{site}/staff/alerts/")
    staff.locator("table").get_by_role("link", name="Gas leak on Mill Lane", exact=True).click()
    staff.get_by_role("link", name="Cancel / all clear").click()
    staff.get_by_label(re.compile("Why the alert ends")).fill("The leak is fixed; you can go home.")
    staff.get_by_role("button", name="Send the all-clear").click()
    expect(staff.locator("[data-alert-state]")).to_have_text("Cancelled / all clear")
    staff.context.close()

    page.goto(f"{site}/")
    expect(page.locator("[data-alert-banner]")).to_have_count(0)
    page.goto(f"{site}/alerts/?show=past")
    expect(page.locator("[data-alert-list]")).to_contain_text("Gas leak on Mill Lane")
