"""Residents choose only what they can receive, and hear of replies to their comments:
the notification settings offer no staff topic, and a reply lands in the inbox."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.accounts.factories import UserFactory
from tests.e2e.journeys import sign_in
from tests.proposals.factories import idea_post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_settings_offer_no_staff_topic_but_replies_and_followed_comments(page: Page, site):
    resident = UserFactory(email="anna@example.org")
    sign_in(page, site, resident.email)
    page.goto(f"{site}/profile/notifications/")
    table = page.locator(".preferences-table")
    expect(table).to_contain_text("Replies to my comments")
    expect(table).to_contain_text("New comments on what I follow")
    expect(table).not_to_contain_text("Ideas forwarded to the council")


def test_a_reply_to_my_comment_reaches_my_inbox(
    page: Page, browser: Browser, site, settings, celery_worker_process
):
    settings.SITE_URL = site  # the inbox links to the comment on this server
    anna = UserFactory(display_name="Anna", email="anna@example.org")
    bjarni = UserFactory(display_name="Bjarni", email="bjarni@example.org")
    idea = idea_post(UserFactory(), title="A dog park by the old mill")

    sign_in(page, site, anna.email)
    page.goto(f"{site}{idea.get_absolute_url()}")
    page.get_by_label("Your comment").fill("Please keep the big oak.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("[data-comments]")).to_contain_text("Please keep the big oak.")

    other = browser.new_context(locale="en-GB").new_page()
    sign_in(other, site, bjarni.email)
    other.goto(f"{site}{idea.get_absolute_url()}")
    other.get_by_text("Reply", exact=False).first.click()
    other.get_by_label("Your reply").fill("Agreed, the oak stays.")
    other.get_by_role("button", name="Post reply").click()
    expect(other.locator("[data-comments]")).to_contain_text("Agreed, the oak stays.")
    other.context.close()

    subject = "Bjarni replied to your comment on “A dog park by the old mill”"
    for _attempt in range(40):
        page.goto(f"{site}/profile/inbox/")
        if page.get_by_role("link", name=subject).count():
            break
        page.wait_for_timeout(750)
    expect(page.get_by_role("link", name=subject)).to_be_visible()
    page.get_by_role("link", name=subject).click()
    assert page.url.startswith(f"{site}{idea.get_absolute_url()}#comment-")
    expect(page.locator("[data-comments]")).to_contain_text("Agreed, the oak stays.")
