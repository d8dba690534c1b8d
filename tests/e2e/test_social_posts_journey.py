"""The council's social posts in a real browser: staff member A composes a post from an
open consultation, sees the live character count and the card preview, schedules it and
sends it for approval; staff member B approves it; a real worker publishes it at its time
through the notification engine to the council's Mastodon account (a Mastodon stand-in on
loopback), and the list shows the account's status and the published post's link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from civicportal.notifications.models import SocialPost
from outreach.models import Post
from tests.consultations.factories import ConsultationFactory
from tests.e2e.journeys import sign_in
from tests.fakes.social_networks import FakeMastodon
from tests.fakes.social_portal import worker_settings
from tests.outreach.posts_fixtures import editor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mastodon(settings):
    """The council's Mastodon server, on loopback, for the live server and the worker."""
    server = FakeMastodon().start()
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon"]
    settings.NOTIFICATIONS_MASTODON_URL = server.url
    settings.NOTIFICATIONS_MASTODON_TOKEN = server.token
    yield server
    server.stop()


@pytest.fixture
def celery_worker_env(mastodon) -> dict[str, str]:
    return worker_settings(mastodon=mastodon) | {"OUTBOUND_ALLOW_LOOPBACK": "1"}


def test_staff_compose_preview_schedule_approve_and_see_the_posts_status(
    page: Page, browser: Browser, site, settings, mastodon, celery_worker_process
):
    settings.SITE_URL = site
    made = ConsultationFactory(title="Riverside park plan", summary="Tell us what it needs.")
    anna = editor(display_name="Anna", email="anna@council.example.org")
    bjorn = editor(display_name="Bjorn", email="bjorn@council.example.org")

    # Anna starts from the consultation on the compose screen.
    sign_in(page, site, anna.email, staff=True)
    page.goto(f"{site}/staff/social/")
    page.get_by_role("link", name="Compose a post").click()
    page.get_by_role("link", name="Riverside park plan").click()
    text = page.get_by_label("Text for mastodon")
    expect(text).to_have_value(re.compile(r"^Have your say: “Riverside park plan”"))
    counter = page.locator('[data-social-count="mastodon"]')
    expect(counter).to_have_text(re.compile(r"^\d+ / 500$"))
    # Anna rewrites the words and keeps the link.
    words = "The Riverside park plan is open: tell us what the park needs."
    link = f"{site}{made.get_absolute_url()}"
    expect(text).to_have_value(re.compile(re.escape(link) + "$"))
    text.fill(f"{words}\n\n{link}")
    expect(counter).to_have_text(f"{len(words) + 2 + len(link)} / 500")
    expect(page.locator("[data-card-preview] [data-card-title]")).to_have_text(
        "Riverside park plan"
    )
    when = timezone.localtime(timezone.now() + timedelta(seconds=40))
    page.get_by_label("Post at").fill(when.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Save the draft and preview").click()

    # The preview: the card and the exact text; then off to a second person.
    expect(page.locator("[data-card-preview] [data-card-link]")).to_have_text(
        f"{site}{made.get_absolute_url()}"
    )
    expect(page.locator('[data-text-preview="mastodon"]')).to_contain_text(
        "tell us what the park needs."
    )
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("You wrote this post: a second social media editor")).to_be_visible()
    expect(page.get_by_role("button", name="Approve and schedule")).to_have_count(0)

    # Bjorn approves it.
    other = browser.new_context(locale="en-GB").new_page()
    sign_in(other, site, bjorn.email, staff=True)
    other.goto(f"{site}/staff/social/")
    other.get_by_role("link", name="Riverside park plan").click()
    other.get_by_role("button", name="Approve and schedule").click()
    expect(other.get_by_text("Approved. It will be posted at the time set.")).to_be_visible()
    post = Post.objects.get()
    assert post.state == "scheduled" and post.approver == bjorn
    other.context.close()

    # At its time the worker publishes it; the list shows the account's status.
    page.goto(f"{site}/staff/social/")
    status = page.locator('[data-post-statuses] [data-account="mastodon"]')
    for _attempt in range(60):
        if status.get_attribute("data-status") == "sent":
            break
        page.wait_for_timeout(2000)
        page.reload()
    expect(status).to_have_attribute("data-status", "sent")
    expect(page.locator(f'[data-post="{post.pk}"] [data-state]')).to_have_text("Published")
    # Posted once, with the words Anna wrote and the consultation's link, and the status's
    # address at the network is on the screen.
    assert [status["text"] for status in mastodon.posts] == [f"{words}\n\n{link}"]
    recorded = SocialPost.objects.get()
    assert recorded.delivery.event_id == Post.objects.get().event_id
    assert recorded.post_url == mastodon.posts[0]["url"]
    expect(status.locator("[data-post-link]")).to_have_attribute("href", recorded.post_url)
