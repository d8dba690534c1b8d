"""Community events in a real browser: a resident signs up to a full event and lands on
the waiting list; when the person holding the place cancels, the resident is promoted and
a notice is on its way to them. Plain form posts, so it works without JavaScript too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from civicportal.notifications.models import Delivery
from community.models import EventSignup
from community.services import events as services
from tests.accounts.factories import UserFactory
from tests.community.factories_events import event
from tests.e2e.journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_resident_on_the_waiting_list_is_promoted_when_someone_cancels(
    page: Page, browser: Browser, site
):
    made = event(title="Riverside clean-up", capacity=1)
    anna = UserFactory(display_name="Anna", email="anna@example.org")
    bjarni = UserFactory(display_name="Bjarni", email="bjarni@example.org")
    services.signup_create(actor=anna, event=made)

    # Bjarni finds the event full and joins the waiting list.
    sign_in(page, site, bjarni.email)
    page.goto(f"{site}/events/")
    page.get_by_role("link", name="Riverside clean-up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside clean-up")
    expect(page.locator("[data-event-places]")).to_have_text("0 of 1 places left")
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.locator("[data-signup-status]")).to_have_text(
        "You are on the waiting list (number 1)."
    )
    assert EventSignup.objects.get(user=bjarni).status == "waiting"

    # Anna cannot come after all and cancels her place.
    other = browser.new_context(locale="en-GB").new_page()
    sign_in(other, site, anna.email)
    other.goto(f"{site}{made.get_absolute_url()}")
    expect(other.locator("[data-signup-status]")).to_have_text("You have a place.")
    other.get_by_role("button", name="Cancel my sign-up").click()
    expect(other.get_by_role("button", name="Join the waiting list")).to_be_visible()
    other.context.close()

    # Bjarni has the place now, and a notice is on its way to him.
    page.reload()
    expect(page.locator("[data-signup-status]")).to_have_text("You have a place.")
    assert EventSignup.objects.get(user=bjarni, status="confirmed")
    assert Delivery.objects.filter(
        recipient=bjarni, event__idempotency_key__startswith="community.events:promoted:"
    ).exists()

    # The event's calendar file is one click away.
    with page.expect_download() as download:
        page.locator("[data-event-ics]").click()
    assert download.value.suggested_filename == f"event-{made.pk}.ics"
