"""Stories in a real browser: a resident shares a story with a photo, a moderator publishes
it from the moderation queue (with two-factor authentication), and then anyone finds it on
the public list and reads its page; a neighbour thanks it in place (htmx), twice clicked
and counted once. Then thanks without JavaScript."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from civicportal.accounts import roles
from community.models.stories import Story, StoryState, StoryThanks
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory
from tests.community.stories_fixtures import GPS_TAG, CampaignFactory, StoryFactory, jpeg_with_gps
from tests.e2e.journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "The library garden three neighbours built"


def test_story_from_sharing_to_publication(page: Page, browser: Browser, site, tmp_path):
    AreaFactory(name="Riverside", slug="riverside")
    CampaignFactory(name="We are Riverside", slug="we-are-riverside", hashtag="#WeAreRiverside")
    anna = UserFactory(display_name="Anna", email="anna@example.org")
    bjarni = UserFactory(display_name="Bjarni", email="bjarni@example.org")
    moderator = StaffFactory(role=roles.MODERATOR, mfa=True, email="mod@example.org")
    photo = tmp_path / "garden.jpg"
    photo.write_bytes(jpeg_with_gps(size=(320, 200)).read())

    # Anna shares a story with a photo, in the campaign.
    sign_in(page, site, anna.email)
    page.goto(f"{site}/community/stories/new/")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Your story").fill("Four raised beds and a **bench** from the old fence.")
    page.get_by_label("Area").select_option(label="Riverside")
    page.get_by_label("Campaign").select_option(label="We are Riverside (#WeAreRiverside)")
    page.get_by_label(re.compile(r"^Photo")).set_input_files(str(photo))
    page.get_by_label("Describe the photo").fill("Raised beds with beans")
    page.get_by_role("button", name="Send my story").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("[data-story-state]")).to_contain_text("A moderator reads your story")
    story = Story.objects.get()
    assert story.state == StoryState.PENDING
    with story.photo.open("rb") as stored, Image.open(stored) as picture:
        assert GPS_TAG not in picture.getexif()

    # Nobody else sees it yet.
    anonymous = browser.new_context(locale="en-GB").new_page()
    anonymous.goto(f"{site}/community/stories/")
    expect(anonymous.get_by_text(TITLE)).to_have_count(0)

    # A moderator publishes it from the queue.
    staff = browser.new_context(locale="en-GB").new_page()
    sign_in(staff, site, moderator.email, staff=True)
    staff.goto(f"{site}/staff/community/stories/")
    staff.get_by_role("button", name=f"Publish “{TITLE[:39]}…”").click()
    expect(staff.locator("[data-story-queue-empty]")).to_be_visible()
    staff.context.close()
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED

    # Anyone finds it on the list and reads its page, photo and share card included.
    anonymous.goto(f"{site}/community/stories/")
    anonymous.get_by_role("link", name=TITLE).click()
    expect(anonymous.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(anonymous.locator("[data-story-body] strong")).to_have_text("bench")
    expect(anonymous.get_by_role("img", name="Raised beds with beans")).to_have_attribute(
        "src", story.photo.url
    )
    expect(anonymous.locator('meta[property="og:title"]')).to_have_attribute("content", TITLE)
    expect(anonymous.get_by_role("link", name="#WeAreRiverside")).to_be_visible()
    anonymous.context.close()

    # Bjarni thanks it in place; a double click counts once.
    other = browser.new_context(locale="en-GB").new_page()
    sign_in(other, site, bjarni.email)
    other.goto(f"{site}{story.get_absolute_url()}")
    other.get_by_role("button", name="Say thanks").dblclick()
    expect(other.locator("[data-thanks-count]")).to_have_text("1 thanks")
    expect(other.locator("[data-thanks-status]")).to_contain_text("thank")
    other.context.close()
    story.refresh_from_db()
    assert story.thanks_count == 1 and StoryThanks.objects.count() == 1


def test_thanks_without_javascript(browser: Browser, site):
    story = StoryFactory(published=True, title="Soup on Fridays")
    neighbour = UserFactory(email="nojs@example.org")
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, site, neighbour.email)
    page.goto(f"{site}{story.get_absolute_url()}")
    page.get_by_role("button", name="Say thanks").click()
    expect(page.locator("[data-thanks-count]")).to_have_text("1 thanks")
    expect(page.get_by_role("button", name="Say thanks")).to_have_count(0)
    context.close()
    assert StoryThanks.objects.filter(story=story, user=neighbour).count() == 1
