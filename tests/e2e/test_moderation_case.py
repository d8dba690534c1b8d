"""A moderator opens a case: the reported comment as residents saw it, its history in
sentences, and a type filter without internal tables (issue 18, point 10)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from civicportal.accounts import roles
from civicportal.core import services
from civicportal.core.models import ModerationCase
from tests.accounts.factories import StaffFactory, UserFactory
from tests.e2e.journeys import sign_in
from tests.proposals.factories import idea_post

pytestmark = pytest.mark.e2e


def test_moderator_reads_a_case_as_residents_saw_it(page: Page, site, settings):
    settings.CORE_FLAG_HIDE_THRESHOLD = 3
    moderator = StaffFactory(
        role=roles.MODERATOR, mfa=True, email="maya@example.org", display_name="Maya Okafor"
    )
    author = UserFactory(display_name="Chloe H.")
    idea = idea_post(UserFactory(), title="A bus stop outside the health centre")
    comment = services.comment_create(
        author=author,
        target=idea,
        body="This is **really** rude.\n\nBuy [here](https://shop.example.org)!",
    )
    for _ in range(3):
        services.flag_create(reporter=UserFactory(), target=comment, reason="spam")
    case = ModerationCase.objects.get(object_id=comment.pk, content_type__model="comment")
    services.moderation_decide(
        moderator=moderator, case=case, action="hide", reason="Advertising is not allowed."
    )

    sign_in(page, site, moderator.email, staff=True)
    page.goto(f"{site}/admin/core/moderationcase/")
    type_filter = page.locator("#changelist-filter details").filter(has_text="content type")
    for internal in ("session", "permission", "token"):
        expect(type_filter).not_to_contain_text(re.compile(internal, re.I))
    expect(type_filter.get_by_role("link", name="Comment", exact=True)).to_be_visible()

    page.get_by_role("link", name=re.compile("This is really rude")).click()
    content = page.locator("[data-moderated-content]")
    expect(content.locator("strong")).to_have_text("really")
    expect(content.get_by_role("link", name="here")).to_have_attribute(
        "href", "https://shop.example.org"
    )
    expect(content).not_to_contain_text("**")
    expect(content).not_to_contain_text("<p>")

    history = page.locator("[data-moderation-history] li")
    expect(history.first).to_have_text(re.compile(r"^Chloe H\. posted this comment on .+\.$"))
    expect(history.nth(1)).to_have_text(
        re.compile(r"^3 residents reported this comment as “Spam or advertising”, the last on ")
    )
    expect(history.last).to_have_text(
        re.compile(r"^Maya Okafor hid this comment on .+: Advertising is not allowed\.$")
    )
    expect(page.get_by_role("main")).not_to_contain_text("moderation_state")
