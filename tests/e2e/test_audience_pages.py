"""The profile questions and the "Who takes part" dashboard in a real browser: axe finds no
serious problem on a desktop or a 320-pixel phone, the phone needs no sideways scrolling of
the page, and the dashboard's charts are images with their figures in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from civicportal.accounts import roles
from civicportal.audience.models import PopulationFigure, ProfileQuestion
from tests.accounts.factories import StaffFactory, UserFactory
from tests.audience.helpers import took_part
from tests.e2e.axe import assert_no_axe_violations
from tests.e2e.journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 320])
def test_the_profile_questions_page_is_accessible(page: Page, site, width):
    page.set_viewport_size({"width": width, "height": 800})
    resident = UserFactory()
    sign_in(page, site, resident.email)
    page.goto(f"{site}/profile/questions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("A few questions about you")
    assert_no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("group", name="Your age band").get_by_label("25 to 34").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")


@pytest.mark.parametrize("width", [1280, 320])
def test_the_dashboard_is_accessible_and_hides_small_groups(page: Page, site, width):
    page.set_viewport_size({"width": width, "height": 900})
    age = ProfileQuestion.objects.get(key="age-band")
    PopulationFigure.objects.create(
        question=age, choice=age.choices.get(key="18-24"), count=900, source_note="Census 2021"
    )
    took_part(12, answers={"age-band": "18-24"}, source="bluesky")
    took_part(4, answers={"age-band": "65-74"})
    admin = StaffFactory(role=roles.ADMINISTRATOR, mfa=True)
    sign_in(page, site, admin.email, staff=True)
    page.goto(f"{site}/staff/audience/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who takes part")
    section = page.locator("[data-profile-table=age-band]")
    expect(section.get_by_role("img")).to_have_count(1)
    expect(section.locator("desc")).to_contain_text("18 to 24: 75")
    row = section.get_by_role("row", name="65 to 74")
    expect(row).to_contain_text("fewer than 10")
    assert_no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
