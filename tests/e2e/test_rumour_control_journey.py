"""Rumour control in a real browser: a resident asks whether a rumour is true, a
fact-check editor answers it with a standalone fact check and publishes it (with the
second factor), and the resident finds the fact check on their questions page, on the
public rumour-control page with its ClaimReview, and in their inbox (delivered by a real
Celery worker on PostgreSQL, in-process on SQLite). The two-person rule of an
incident's fact checks is shown by the service, page, admin and API tests in
tests/alerts/test_factcheck_*.py."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from alerts.models import FactCheck, FactCheckQuestion
from tests.accounts.factories import UserFactory
from tests.alerts.factcheck_factories import editor
from tests.e2e.conftest import embedded_default
from tests.e2e.journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RUMOUR = "A post says the tap water in Harbourside is poisoned. Is it true?"
SUBJECT = "The council checked what you asked about"


@pytest.fixture
def deliveries(request) -> None:
    """Who delivers the inbox notice: a real Celery worker on PostgreSQL; on the embedded
    default (SQLite) the portal's in-process tasks, so the journey runs on both."""
    if not embedded_default():
        request.getfixturevalue("celery_worker_process")


def test_resident_asks_editor_publishes_a_fact_check_and_the_resident_is_told(
    page: Page, browser: Browser, site, settings, deliveries
):
    settings.SITE_URL = site  # the inbox links to the fact check on this server
    resident = UserFactory(display_name="Anna", email="anna@example.org")
    staff = editor(display_name="Sigrún")

    # The resident finds rumour control from the alerts page and asks.
    sign_in(page, site, resident.email)
    page.goto(f"{site}/alerts/")
    page.get_by_role("link", name="Rumour control").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rumour control")
    page.get_by_role("link", name="Heard something? Ask us whether it is true").click()
    page.get_by_label("What did you hear or read?").fill(RUMOUR)
    page.get_by_label("Link").fill("javascript:alert(1)")
    page.get_by_role("button", name="Send my question").click()
    # A link that is not a web address is refused with a message; nothing is stored.
    expect(page.get_by_text("http:// or https://").first).to_be_visible()
    assert not FactCheckQuestion.objects.exists()
    page.get_by_label("Link").fill("https://social.example.net/@rumours/77")
    page.get_by_role("button", name="Send my question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My questions to rumour control")
    expect(page.locator("[data-my-questions]")).to_contain_text("Waiting for an answer.")

    # A fact-check editor answers it with a fact check, at the desk.
    desk = browser.new_context(locale="en-GB").new_page()
    sign_in(desk, site, staff.email, staff=True)
    desk.goto(f"{site}/staff/rumours/")
    expect(desk.locator("[data-question-queue]")).to_contain_text(RUMOUR)
    desk.get_by_role("link", name="Answer with a fact check").click()
    expect(desk.locator("[data-answering-question]")).to_contain_text(RUMOUR)
    desk.get_by_label("The claim, as it circulates").fill(
        "The tap water in Harbourside is poisoned."
    )
    desk.get_by_label("Verdict").select_option("false")
    desk.get_by_label("The facts").fill("The water company tested it this morning: it is safe.")
    desk.get_by_label("Sources").fill("Water company notice | https://water.example.org/notice")
    desk.get_by_role("button", name="Save the draft").click()
    expect(desk.locator("[data-state]")).to_have_text("Draft")
    desk.get_by_role("button", name="Publish now").click()
    expect(desk.locator("[data-state]")).to_have_text("Published")
    desk.context.close()
    fact_check = FactCheck.objects.get()
    assert fact_check.state == FactCheck.State.PUBLISHED

    # The resident sees the answer on their questions page and opens the fact check.
    page.goto(f"{site}/rumours/mine/")
    page.locator("[data-answer]").get_by_role("link").click()
    expect(page.locator("[data-verdict]")).to_have_text("False")
    expect(page.locator("[data-sources]")).to_contain_text("Water company notice")
    review = json.loads(page.locator("script[data-claim-review]").text_content())
    assert review["@type"] == "ClaimReview"
    assert review["reviewRating"]["alternateName"] == "False"
    # It is on the public rumour-control page too.
    page.goto(f"{site}/rumours/")
    expect(page.locator("[data-fact-check-list]")).to_contain_text(
        "The tap water in Harbourside is poisoned."
    )

    # And in the inbox, once the worker has delivered it.
    for _attempt in range(40):
        page.goto(f"{site}/profile/inbox/")
        if page.get_by_role("link", name=SUBJECT).count():
            break
        page.wait_for_timeout(750)
    expect(page.get_by_role("link", name=SUBJECT)).to_be_visible()
    page.get_by_role("link", name=SUBJECT).click()
    assert page.url.startswith(f"{site}{fact_check.get_absolute_url()}")
