"""A draft's paragraph comments sit beside the paragraph, folded with their count, and open
and take new comments in place; the paragraph's own page stays as the permanent address
and the way in without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from civicportal.core.models import Comment
from civicportal.core.services import comment_create
from tests.accounts.factories import UserFactory
from tests.consultations.factories import ConsultationFactory, draft_with_paragraphs
from tests.e2e.axe import assert_no_axe_violations
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def draft_page():
    consultation = ConsultationFactory(title="Riverside Park", slug="riverside-park")
    draft, (lighting, meadow) = draft_with_paragraphs(
        consultation,
        texts=("Main paths get warm white lights.", "Side paths stay dark for the meadow."),
    )
    neighbour = UserFactory(display_name="Bjarni")
    comment_create(author=neighbour, target=lighting, body="Please use motion sensors.")
    comment_create(author=neighbour, target=lighting, body="And keep them low.")
    return f"/consultations/riverside-park/drafts/{draft.pk}/", lighting, meadow


def _fold(page: Page, paragraph):
    return page.locator(f"#paragraph-{paragraph.pk} [data-paragraph-comments]")


def _count(page: Page, paragraph):
    """The fold's own summary, with the count (the thread inside has summaries too)."""
    return page.locator(f"#paragraph-{paragraph.pk} summary[data-comment-count]")


def test_paragraph_comments_open_beside_the_paragraph_with_their_count(
    page: Page, site, draft_page
):
    path, lighting, meadow = draft_page
    resident = UserFactory(email="anna@example.org")
    sign_in(page, site, resident.email)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}{path}")

    lighting_fold = _fold(page, lighting)
    expect(_count(page, lighting)).to_contain_text("2 comments")
    expect(_count(page, meadow)).to_contain_text("No comments yet")
    expect(page.get_by_text("Please use motion sensors.")).to_be_hidden()

    # Beside the paragraph: to its right, starting on the same line.
    text_box = page.locator(f"#paragraph-{lighting.pk} [data-paragraph-text]").bounding_box()
    fold_box = lighting_fold.bounding_box()
    assert fold_box["x"] >= text_box["x"] + text_box["width"]
    assert abs(fold_box["y"] - text_box["y"]) < 40

    # Opened by keyboard, in place: the same page, the thread inside the fold.
    _count(page, lighting).focus()
    page.keyboard.press("Enter")
    thread = lighting_fold.locator("[data-comments]")
    expect(thread.get_by_text("Please use motion sensors.")).to_be_visible()
    expect(thread.get_by_text("And keep them low.")).to_be_visible()
    assert page.url == f"{site}{path}"

    # A second fold open at once: each form keeps labels of its own.
    _count(page, meadow).click()
    expect(_fold(page, meadow).locator("[data-comments]")).to_contain_text("No comments yet.")
    assert_no_axe_violations(page)

    thread.get_by_label("Your comment").fill("Lights off after midnight?")
    thread.get_by_role("button", name="Post comment").click()
    expect(thread.get_by_text("Lights off after midnight?")).to_be_visible()
    expect(_count(page, lighting)).to_contain_text("3 comments")
    expect(thread.get_by_role("button", name="Post comment")).to_be_focused()
    assert Comment.objects.filter(object_id=lighting.pk, body__contains="midnight").count() == 1
    assert page.url == f"{site}{path}"

    page.reload()
    expect(_count(page, lighting)).to_contain_text("3 comments")


def test_paragraph_comments_sit_below_the_paragraph_on_a_phone(page: Page, site, draft_page):
    path, lighting, _meadow = draft_page
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{site}{path}")

    text_box = page.locator(f"#paragraph-{lighting.pk} [data-paragraph-text]").bounding_box()
    fold_box = _fold(page, lighting).bounding_box()
    assert fold_box["y"] >= text_box["y"] + text_box["height"]
    _count(page, lighting).click()
    expect(page.get_by_text("Please use motion sensors.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_no_axe_violations(page)


def test_paragraph_comments_without_javascript_lead_to_the_paragraph_page(
    browser: Browser, site, draft_page
):
    path, lighting, _meadow = draft_page
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}{path}")
        fold = _fold(page, lighting)
        expect(_count(page, lighting)).to_contain_text("2 comments")
        _count(page, lighting).click()
        fold.get_by_role("link", name=re.compile("Read the comments and add yours")).click()
        expect(page).to_have_url(f"{site}{lighting.get_absolute_url()}")
        expect(page.get_by_text("Please use motion sensors.")).to_be_visible()
    finally:
        context.close()
