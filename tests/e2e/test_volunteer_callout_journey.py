"""A resident joins the volunteer register; an alert author calls volunteers out for an
incident; the volunteer finds the call-out on their call-outs page and accepts; the
author's roster shows them without a reload (htmx polling), checks them in and stands the
call-out down. On PostgreSQL and on SQLite."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from alerts.models import CallOut, CallOutResponse, Skill
from alerts.roles import ALERT_AUTHOR
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory
from tests.alerts.factories import published
from tests.e2e.axe import assert_no_axe_violations
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e


def test_volunteer_registers_receives_a_callout_and_accepts(page: Page, browser: Browser, site):
    harbour = AreaFactory(name="Harbourside", slug="harbourside")
    Skill.objects.create(name="First aid")
    Skill.objects.create(name="Driving")
    resident = UserFactory(email="vol@example.org", display_name="Vera Volunteer")
    author = StaffFactory(role=ALERT_AUTHOR, mfa=True, email="author@example.org")
    alert = published(by=author, headline="Flooding on Quay Street", areas=[harbour])

    # The resident joins the register.
    sign_in(page, site, resident.email)
    page.goto(f"{site}/alerts/volunteer/")
    expect(page.get_by_role("heading", name="Volunteer register")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("First aid").check()
    page.get_by_label("Harbourside").check()
    page.get_by_label(re.compile("^When you are usually available")).fill("Evenings")
    page.get_by_label(re.compile("^The council may contact me")).check()
    page.get_by_role("button", name="Join the volunteer register").click()
    expect(page.get_by_role("heading", name="Your call-outs")).to_be_visible()
    expect(page.get_by_text("No call-out for you at the moment.")).to_be_visible()

    # The author calls volunteers with first aid out in Harbourside.
    staff = browser.new_context(locale="en-GB").new_page()
    sign_in(staff, site, author.email, staff=True)
    staff.goto(f"{site}/staff/alerts/{alert.pk}/callout/")
    assert_no_axe_violations(staff)
    start = timezone.localtime() + timedelta(hours=1)
    staff.get_by_label("Task", exact=True).fill("First aid post at the marina")
    staff.get_by_label("Place", exact=True).fill("Marina car park")
    staff.get_by_label("Starts at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("Ends at").fill((start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("People needed").fill("2")
    staff.get_by_label("First aid").check()
    staff.get_by_label("Harbourside").check()
    staff.get_by_role("button", name="Post the call-out").click()
    expect(staff.get_by_role("heading", name="Roster: 0 of 2 accepted")).to_be_visible()
    callout = CallOut.objects.get()

    # The volunteer finds it among their call-outs and accepts.
    page.reload()
    page.get_by_role("link", name="First aid post at the marina").click()
    expect(page.locator("[data-places-left]")).to_have_text("2 of 2 left")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Thank you: you have a place.")).to_be_visible()
    expect(page.locator("[data-my-answer]")).to_have_attribute("data-my-answer", "accepted")
    assert CallOutResponse.objects.get(callout=callout).user_id == resident.pk

    # The roster shows them without a reload, then the author checks them in.
    expect(staff.get_by_role("heading", name="Roster: 1 of 2 accepted")).to_be_visible(
        timeout=15_000
    )
    expect(staff.locator("#roster")).to_contain_text("Vera Volunteer")
    assert_no_axe_violations(staff)
    staff.get_by_role("button", name="Check in").click()
    expect(staff.get_by_role("button", name="Check out")).to_be_visible()

    # Standing down ends it; the volunteer's page says so.
    staff.get_by_role("button", name=re.compile("^Stand down")).click()
    expect(staff.get_by_text("Stood down: everyone who accepted is told now.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("This call-out has been stood down.")).to_be_visible()
    staff.context.close()
