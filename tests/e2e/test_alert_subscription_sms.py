"""A resident ticks SMS on their alert subscription before verifying a phone number: the
rest of what they chose is kept, SMS waits, and the page says what to do next."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from alerts.models import AlertSubscription
from tests.accounts.factories import AreaFactory, UserFactory
from tests.e2e.journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_ticking_sms_without_a_verified_phone_keeps_the_choices_and_says_what_to_do(
    page: Page, site
):
    AreaFactory(name="Old Town", slug="old-town")
    AreaFactory(name="Harbour", slug="harbour")
    resident = UserFactory(email="anna@example.org")
    sign_in(page, site, resident.email)
    page.goto(f"{site}/alerts/subscription/")
    page.get_by_label("Harbour").check()
    page.get_by_label("Severe and above").check()
    page.get_by_label("By SMS (needs a verified phone number)").check()
    page.get_by_label("Also exercises and test messages").check()
    page.get_by_role("button", name="Save my alert choices").click()

    # Saved, as chosen; SMS waits for the phone number.
    expect(page.get_by_text("Your alert subscription is saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Harbour")).to_be_checked()
    expect(page.get_by_label("Old Town")).not_to_be_checked()
    expect(page.get_by_label("Severe and above")).to_be_checked()
    expect(page.get_by_label("By SMS (needs a verified phone number)")).to_be_checked()
    expect(page.get_by_label("Also exercises and test messages")).to_be_checked()
    subscription = AlertSubscription.objects.get(user=resident)
    assert subscription.by_sms and subscription.min_severity == 3
    assert [a.name for a in subscription.areas.all()] == ["Harbour"]

    # What to do: verify the phone, one click away.
    waiting = page.locator("[data-sms-waiting]")
    expect(waiting).to_contain_text("your phone number is not verified yet")
    waiting.get_by_role("link", name="Verify your phone number").click()
    expect(page.get_by_role("heading", name="Text messages (SMS)")).to_be_visible()
    expect(page.get_by_label("Mobile phone number")).to_be_visible()
