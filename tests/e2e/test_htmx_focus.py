"""htmx swaps by keyboard: focus stays on the control the resident used (or on its
counterpart in the new content, or on the new error summary), and what changed is read out
from a live region that stays on the page (static/js/swap-focus.js)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import UserFactory
from tests.e2e.journeys import sign_in
from tests.proposals.factories import CategoryFactory, idea_post

pytestmark = pytest.mark.e2e


@pytest.fixture
def idea_page(page: Page, site):
    idea = idea_post(UserFactory(), title="Longer library hours", category=CategoryFactory())
    voter = UserFactory(email="voter@example.org")
    sign_in(page, site, voter.email)
    page.goto(f"{site}{idea.get_absolute_url()}")
    return page


def test_support_and_oppose_by_keyboard_keep_focus_in_the_vote_panel(idea_page: Page):
    page = idea_page
    panel = page.locator("#vote")
    announcer = page.locator("[data-swap-announcer]")
    expect(announcer).to_have_attribute("aria-live", "polite")

    panel.get_by_role("button", name="Support").focus()
    page.keyboard.press("Enter")

    support = panel.get_by_role("button", name="Support")
    expect(support).to_have_attribute("aria-pressed", "true")
    expect(support).to_be_focused()
    expect(announcer).to_have_text("You support this idea.")

    # The next Tab goes on from the panel, not from the top of the page.
    page.keyboard.press("Tab")
    oppose = panel.get_by_role("button", name="Oppose")
    expect(oppose).to_be_focused()
    page.keyboard.press("Enter")

    expect(oppose).to_have_attribute("aria-pressed", "true")
    expect(oppose).to_be_focused()
    expect(announcer).to_have_text("You oppose this idea.")
    expect(panel.locator("[data-oppose-count]")).to_have_text("1 opponent")


def test_follow_button_keeps_focus_when_it_changes_its_label(idea_page: Page):
    page = idea_page
    page.get_by_role("button", name="Follow", exact=True).focus()
    page.keyboard.press("Enter")

    stop = page.get_by_role("button", name="Stop following")
    expect(stop).to_be_focused()
    expect(page.locator("[data-swap-announcer]")).to_contain_text("You follow this.")


def test_refused_comment_moves_focus_to_its_error_summary(idea_page: Page):
    page = idea_page
    comments = page.locator("[data-comments]")
    comments.get_by_role("button", name="Post comment").focus()
    page.keyboard.press("Enter")

    summary = comments.locator("[data-error-summary]")
    expect(summary).to_contain_text("Write your comment before posting it.")
    expect(summary).to_be_focused()
