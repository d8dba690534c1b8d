"""Reach in a crisis, in a real browser: anyone sends a report from the ground without an
account (held for triage, rate limited), and the public alert page follows the incident
without a reload: the published update, the report staff confirm (on its map too), and the
all-clear."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from playwright.sync_api import Browser, Page, expect

from alerts import services
from alerts.models import GroundReport
from tests.alerts.factories import approver, author, content, published

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_anyone_sends_a_ground_report_without_an_account_and_it_is_held(
    browser: Browser, site, settings
):
    settings.ALERTS_REPORT_RATE_LIMIT = 1
    alert = published()
    context = browser.new_context(
        locale="en-GB",
        geolocation={"latitude": 52.0905, "longitude": -1.925},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(f"{site}{alert.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Report from the ground")).to_be_visible()
    page.get_by_label("What do you see?").fill("Water up to the doors on Quay Street.")
    page.get_by_label("Where (street, landmark)").fill("Quay Street, by the bakery")
    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_label("Latitude")).to_have_value("52.090500")
    expect(page.get_by_label("Longitude")).to_have_value("-1.925000")
    page.get_by_role("button", name="Send the report").click()

    expect(page.locator(".site-messages")).to_contain_text(
        "They check every report before it is shown on this page."
    )
    report = GroundReport.objects.get()
    assert report.user is None
    assert report.triage == GroundReport.Triage.NEW
    assert (report.latitude, report.longitude) == (Decimal("52.090500"), Decimal("-1.925000"))
    # Held: not on the public page until staff confirm it.
    expect(page.locator("[data-alert-live]")).not_to_contain_text("Water up to the doors")

    # A second one from the same network within the window is refused, and says why.
    page.get_by_label("What do you see?").fill("Now the bridge is closed.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator("form[data-report-form]")).to_contain_text(
        "Many reports came from your network in a short time."
    )
    expect(page.get_by_label("What do you see?")).to_have_value("Now the bridge is closed.")
    assert GroundReport.objects.count() == 1
    context.close()


def test_the_alert_page_follows_the_incident_without_a_reload(page: Page, site, settings):
    settings.ALERTS_LIVE_POLL_SECONDS = 1
    by, second = author(), approver()
    alert = published(by=by, approved_by=second)
    areas = list(alert.current_message.areas.all())
    page.goto(f"{site}{alert.get_absolute_url()}")
    expect(page.get_by_text("In force", exact=True)).to_be_visible()
    page.evaluate("window.sameDocument = true")

    update = services.alert_update(
        actor=by,
        alert=alert,
        content=content(
            headline="Flooding spreads to Mill Lane",
            instruction="Move to higher ground now.",
            areas=areas,
        ),
        note="The water is still rising.",
    )
    services.alert_approve(actor=second, message=update, version=services.message_version(update))
    expect(page.locator("[data-alert-timeline]")).to_contain_text("Flooding spreads to Mill Lane")
    expect(page.locator("[data-alert-instruction]")).to_have_text("Move to higher ground now.")
    expect(page.locator("[data-alert-live-status]")).to_contain_text(
        "Flooding spreads to Mill Lane"
    )
    alert_map = page.get_by_role("region", name="Map of the alert")
    # The council's area as the base, and the alert's area over it.
    expect(alert_map.locator(".leaflet-overlay-pane svg path")).to_have_count(2)

    report = services.report_create(
        actor=AnonymousUser(),
        alert=alert,
        text="The footbridge is under water.",
        latitude=Decimal("52.09"),
        longitude=Decimal("-1.925"),
        client_key="192.0.2.10",
    )
    services.report_triage(actor=by, report=report, triage=GroundReport.Triage.CONFIRMED)
    expect(page.locator("[data-confirmed-reports]")).to_contain_text(
        "The footbridge is under water."
    )
    expect(alert_map.locator(".leaflet-marker-icon")).to_have_count(1)

    services.alert_cancel(actor=by, alert=alert)
    expect(page.locator("[data-alert-status]")).to_have_text("All clear")
    expect(page.get_by_role("heading", name="What to do now")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True  # never reloaded
