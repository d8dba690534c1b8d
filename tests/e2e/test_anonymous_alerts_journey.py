"""Alerts without an account, in a real browser: someone subscribes by email, confirms the
link the email brings (double opt-in), an approver publishes an alert, a real Celery worker
delivers it to that address through an SMTP server on loopback, and the email's one-click
unsubscribe ends the subscription and deletes the address."""

from __future__ import annotations

import re
import time

import pytest
import requests
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from alerts.models import AlertSubscription
from civicportal.notifications.models import Delivery, Subscriber
from tests.alerts.factories import approver, pending
from tests.e2e.journeys import sign_in
from tests.notifications.conftest import SmtpSink

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADDRESS = "guest@example.org"
CONFIRM_LINK = re.compile(r"http://[^\s\"<>]+/subscriptions/confirm/[^\s\"<>]+/")


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def celery_worker_env(smtp_sink, live_server) -> dict[str, str]:
    # The worker sends through the sink, with links to the live server.
    return {"EMAIL_URL": smtp_sink.url, "SITE_URL": live_server.url}


def _wait_for_message(sink: SmtpSink, address: str, *, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in sink.messages():
            if address in received.to:
                return received.message
        time.sleep(0.25)
    raise AssertionError(f"No email reached {address} within {timeout:g} s.")


def test_subscribe_without_an_account_confirm_receive_an_alert_and_leave_in_one_click(
    page: Page, browser: Browser, site, settings, smtp_sink, celery_worker_process
):
    settings.SITE_URL = site  # the confirmation link points at this server
    from tests.accounts.factories import AreaFactory

    AreaFactory(name="Old Town", slug="old-town")
    AreaFactory(name="Harbour", slug="harbour")

    # Someone without an account finds the sign-up from the alerts page.
    page.goto(f"{site}/alerts/")
    page.get_by_role("link", name="Choose which alerts you receive").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts without an account")
    page.get_by_label("Old Town").check()
    page.get_by_label("Severe and above").check()
    page.get_by_label("Email address or mobile number").fill(f"  {ADDRESS.upper()} ")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text(f"We sent a link to {ADDRESS}")).to_be_visible()
    # Nothing is subscribed until the address confirms it.
    assert not AlertSubscription.objects.exists()
    [confirmation] = mail.outbox
    assert confirmation.to == [ADDRESS]
    assert "Where: Old Town" in confirmation.body
    link = CONFIRM_LINK.search(confirmation.body).group(0)

    # The link asks first (a mail scanner's GET confirms nothing); the button confirms.
    page.goto(link)
    expect(page.locator("[data-subscriber-choices]")).to_contain_text("Severe and above")
    assert not Subscriber.objects.get().is_confirmed
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("[data-subscriber-choices]")).to_contain_text("Where: Old Town")
    subscriber = Subscriber.objects.get()
    assert subscriber.is_confirmed and subscriber.address == ADDRESS

    # A second person approves a severe alert for Old Town, seeing who it reaches.
    alert = pending(
        areas=[AreaFactory(slug="old-town")],
        severity="Severe",
        headline="Flooding on Quay Street",
        instruction="Stay away from the riverside.",
    )
    staff = browser.new_context(locale="en-GB").new_page()
    sign_in(staff, site, approver(email="approver@example.org").email, staff=True)
    staff.goto(f"{site}/staff/alerts/messages/{alert.messages.get().pk}/approve/")
    expect(staff.locator('[data-count="anonymous"]')).to_have_text("1")
    staff.locator("[data-approve]").click()
    expect(staff.locator("[data-alert-state]")).to_have_text("Published")
    staff.context.close()

    # The worker delivers it to the address, with a one-click unsubscribe.
    received = _wait_for_message(smtp_sink, ADDRESS)
    assert "Severe warning: Flooding on Quay Street" in received["Subject"]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = received["List-Unsubscribe"].strip("<>")
    assert unsubscribe == f"{site}/s/{subscriber.token}/"
    [plain] = [part for part in received.walk() if part.get_content_type() == "text/plain"]
    body = plain.get_payload(decode=True).decode(plain.get_content_charset() or "utf-8")
    assert "Stay away from the riverside." in body and unsubscribe in body
    assert Delivery.objects.get(subscriber=subscriber).status == "sent"

    # The mail client's one-click POST (RFC 8058): no cookie, no form token.
    answer = requests.post(
        unsubscribe, data={"List-Unsubscribe": "One-Click"}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 200 and answer.text == "Unsubscribed."
    assert not Subscriber.objects.exists() and not AlertSubscription.objects.exists()
    assert not Delivery.objects.filter(address=ADDRESS).exists()
    page.goto(unsubscribe)
    expect(page.get_by_text("the subscription has already ended")).to_be_visible()


def test_subscribe_by_email_and_leave_from_the_subscribers_own_page(page: Page, site, settings):
    """The same sign-up on either database, without a worker: the button on the
    subscriber's page ends it too."""
    settings.SITE_URL = site
    page.goto(f"{site}/alerts/subscribe/")
    page.get_by_label("Email address or mobile number").fill("anna@example.org")
    page.get_by_label("Extreme only").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("We sent a link to anna@example.org")).to_be_visible()
    # The same address again (the form starts afresh): the same answer, still one subscriber,
    # and the last sign-up's choices are the ones the confirmation applies.
    page.get_by_label("Email address or mobile number").fill("Anna@Example.org")
    page.get_by_label("Extreme only").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("We sent a link to anna@example.org")).to_be_visible()
    assert Subscriber.objects.count() == 1 and len(mail.outbox) == 2
    page.goto(CONFIRM_LINK.search(mail.outbox[-1].body).group(0))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("[data-subscriber-choices]")).to_contain_text("Extreme only")
    page.get_by_role("button", name="Unsubscribe and delete my address").click()
    expect(page.locator("[data-subscriber-ended]")).to_contain_text("We deleted your address")
    assert not Subscriber.objects.exists() and not AlertSubscription.objects.exists()
