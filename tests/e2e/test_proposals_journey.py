"""Idea proposals in a real browser: a resident posts an idea, another supports it and argues
against it, a moderator answers it in the admin, and the author reads the answer and the
inbox notice. Then the same voting without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from civicportal.accounts import roles
from proposals.models import Idea, IdeaVote
from tests.accounts.factories import StaffFactory, UserFactory
from tests.e2e.journeys import sign_in
from tests.proposals.factories import CategoryFactory, idea_post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_idea_life_cycle_from_posting_to_the_councils_answer(
    page: Page, browser: Browser, site, celery_worker_process
):
    CategoryFactory(name="Parks and nature", slug="parks")
    anna = UserFactory(display_name="Anna", email="anna@example.org")
    bjarni = UserFactory(display_name="Bjarni", email="bjarni@example.org")
    moderator = StaffFactory(role=roles.MODERATOR, mfa=True, email="mod@example.org")

    # Anna posts an idea.
    sign_in(page, site, anna.email)
    page.goto(f"{site}/ideas/new/")
    page.get_by_label("Title").fill("A dog park by the old mill")
    page.get_by_label("Description").fill("A fenced field where dogs can run **off the lead**.")
    page.get_by_label("Category").select_option(label="Parks and nature")
    page.get_by_role("button", name="Publish my idea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A dog park by the old mill")
    expect(page.locator(".idea-body strong")).to_have_text("off the lead")
    idea = Idea.objects.get()

    # Bjarni supports it (htmx, in place) and adds a point against.
    other = browser.new_context(locale="en-GB").new_page()
    sign_in(other, site, bjarni.email)
    other.goto(f"{site}{idea.get_absolute_url()}")
    other.get_by_role("button", name="Support").click()
    expect(other.locator("[data-support-count]")).to_have_text("1 supporter")
    expect(other.locator("[data-vote-status]")).to_have_text("You support this idea.")
    # He changes his mind twice from the panel htmx swapped in: its forms carry no CSRF
    # field, htmx sends the page's token in a header.
    other.get_by_role("button", name="Oppose").click()
    expect(other.locator("[data-oppose-count]")).to_have_text("1 opponent")
    other.get_by_role("button", name="Support").click()
    expect(other.locator("[data-support-count]")).to_have_text("1 supporter")
    expect(other.locator("[data-oppose-count]")).to_have_text("0 opponents")
    other.get_by_role("radio", name="Against").check()
    other.get_by_label("Your point").fill("The meadow is home to nesting birds.")
    other.get_by_role("button", name="Add my point").click()
    expect(other.locator("[data-points-against]")).to_contain_text("nesting birds")
    other.context.close()
    assert IdeaVote.objects.get().value == "support"

    # A moderator answers it in the admin (with two-factor authentication).
    staff = browser.new_context(locale="en-GB").new_page()
    sign_in(staff, site, moderator.email, staff=True)
    staff.goto(f"{site}/admin/proposals/idea/{idea.pk}/change/")
    staff.get_by_label("Status").select_option(label="Accepted")
    staff.get_by_label("Official response").fill("Agreed: the park opens next spring.")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.locator(".messagelist .success")).to_be_visible()
    staff.context.close()

    # Anna sees the answer on the idea and a notice in her inbox.
    page.goto(f"{site}{idea.get_absolute_url()}")
    expect(page.locator("[data-idea-status]")).to_have_text("Accepted")
    expect(page.locator("[data-official-response]")).to_contain_text(
        "Agreed: the park opens next spring."
    )
    subject = "“A dog park by the old mill” was accepted by the council"
    for _attempt in range(40):
        page.goto(f"{site}/profile/inbox/")
        if page.get_by_text(subject).count():
            break
        page.wait_for_timeout(750)
    expect(page.get_by_text(subject).first).to_be_visible()


def test_voting_without_javascript(browser: Browser, site):
    author = UserFactory()
    voter = UserFactory(email="nojs@example.org")
    idea = idea_post(author, title="Longer library hours", category=CategoryFactory())
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, site, voter.email)
    page.goto(f"{site}{idea.get_absolute_url()}")
    page.get_by_role("button", name="Support").click()
    expect(page.locator(".site-messages")).to_contain_text("You support this idea.")
    expect(page.locator("[data-support-count]")).to_have_text("1 supporter")
    page.get_by_role("button", name="Oppose").click()
    expect(page.locator("[data-oppose-count]")).to_have_text("1 opponent")
    expect(page.locator("[data-support-count]")).to_have_text("0 supporters")
    page.get_by_role("button", name="Withdraw my vote").click()
    expect(page.locator("[data-oppose-count]")).to_have_text("0 opponents")
    context.close()
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 0)
