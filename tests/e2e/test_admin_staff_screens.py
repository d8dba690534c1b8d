"""An alert author who signs in to the admin finds the alert desk, where alerts are drafted
and approved, and goes from an alert's admin page to its page on the desk (issue 18,
point 2)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.alerts import factories as alerts
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e


def test_alert_author_reaches_the_alert_desk_from_the_admin(page: Page, site):
    author = alerts.author(email="author@example.org")
    alert = alerts.draft(by=author, headline="Gas leak on Mill Lane")

    sign_in(page, site, author.email, staff=True)
    page.goto(f"{site}/admin/")
    page.get_by_role("link", name="Alert desk").click()
    expect(page).to_have_url(f"{site}/staff/alerts/")
    expect(page.get_by_role("main")).to_contain_text("Gas leak on Mill Lane")

    # The admin's list of alerts, then one alert's page: each links to the desk.
    page.goto(f"{site}/admin/alerts/alert/")
    page.get_by_role("link", name="Gas leak on Mill Lane").click()
    expect(page).to_have_url(re.compile(r"/admin/alerts/alert/\d+/change/$"))
    page.get_by_role("link", name="Open on the alert desk").click()
    expect(page).to_have_url(f"{site}{alert.get_staff_url()}")
    expect(page.locator("[data-alert-state]")).to_have_text("Draft")

    # The side menu of every admin page offers the desk and a new draft.
    page.goto(f"{site}/admin/alerts/groundreport/")
    side_menu = page.locator("#nav-sidebar")
    side_menu.get_by_role("link", name="Draft a new alert").click()
    expect(page).to_have_url(f"{site}/staff/alerts/new/")
