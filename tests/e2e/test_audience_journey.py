"""The issue's journey: a resident arrives through a ``?via=bluesky`` link, signs up,
answers the voluntary questions and a consultation, and the "Who takes part" dashboard
counts one participant for that source.

One resident is a group under 10: the dashboard shows it only because the demo threshold
(``AUDIENCE_MIN_GROUP=1`` with ``DEBUG`` on) allows it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from civicportal.accounts import roles
from civicportal.audience.models import Participation, ProfileAnswer, SourceVisit
from tests.accounts.factories import StaffFactory
from tests.consultations.factories import ConsultationFactory, QuestionFactory
from tests.e2e.journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Harbour lights at dusk 42"
# Headless Chromium says "HeadlessChrome", which the count leaves out as a robot; the
# resident's browser says what a desktop Chrome says.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def counting_site(site, settings):
    settings.DEBUG = True  # the demo threshold below 10 needs it
    settings.AUDIENCE_MIN_GROUP = 1
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    return site


def test_a_resident_from_bluesky_signs_up_answers_and_is_counted(browser: Browser, counting_site):
    site = counting_site
    page = browser.new_context(locale="en-GB", user_agent=DESKTOP_CHROME).new_page()
    question = QuestionFactory(
        consultation=ConsultationFactory(title="Park plan", slug="park-plan"),
        text="Do you want more trees?",
        choices=["Yes", "No"],
    )

    page.goto(f"{site}/?via=bluesky")
    expect(page).to_have_url(f"{site}/")
    assert SourceVisit.objects.get().source == "bluesky"

    page.goto(f"{site}/accounts/signup/")
    page.get_by_label("Email").fill("sara@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(re.compile(r"/profile/questions/"))
    page.get_by_role("group", name="Your age band").get_by_label("18 to 24").check()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{site}/")
    assert ProfileAnswer.objects.get().choice.key == "18-24"

    page.goto(f"{site}/consultations/park-plan/answer/")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page).not_to_have_url(re.compile(r"/answer/$"))
    assert question.consultation.responses.count() == 1
    assert set(Participation.objects.values_list("module", "action", "source")) == {
        ("accounts", "signup", "bluesky"),
        ("consultations", "answer", "bluesky"),
    }

    staff = browser.new_context(locale="en-GB").new_page()
    admin = StaffFactory(role=roles.ADMINISTRATOR, mfa=True)
    sign_in(staff, site, admin.email, staff=True)
    staff.goto(f"{site}/staff/audience/?source=bluesky&module=consultations")
    taking_part = staff.locator("[data-time-table='3']")
    expect(taking_part.get_by_role("heading")).to_have_text("Residents taking part")
    expect(taking_part.locator("tfoot td").last).to_have_text("1")
    age = staff.locator("[data-profile-table=age-band]")
    expect(age.get_by_role("row", name=re.compile("^18 to 24"))).to_contain_text("100")
