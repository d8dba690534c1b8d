"""The source link travels with the visitor in the browser, without a cookie: a resident
arrives through ``?via=bluesky``; the address bar drops the parameter, the tab remembers the
source, and the resident's next actions carry it (a hidden ``via`` field on a form POST, an
``X-Via`` header on an htmx vote). What the portal records from them is tested in
tests/audience/test_participation.py."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import UserFactory
from tests.e2e.journeys import sign_in
from tests.proposals.factories import idea_post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Harbour lights at dusk 42"


def test_the_source_goes_with_the_sign_up_form_and_sets_no_cookie(page: Page, site):
    page.goto(f"{site}/?via=bluesky")
    expect(page).to_have_url(f"{site}/")  # a reload or a copied link does not count again
    assert page.evaluate("sessionStorage.getItem('civicportal.via')") == "bluesky"
    assert not [c for c in page.context.cookies() if "via" in (c["name"] + c["value"]).lower()]

    page.goto(f"{site}/accounts/signup/")
    page.get_by_label("Email").fill("anna@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    with page.expect_request(lambda r: r.method == "POST" and "/accounts/signup/" in r.url) as sent:
        page.get_by_role("button", name="Sign Up").click()
    assert parse_qs(sent.value.post_data)["via"] == ["bluesky"]


def test_an_unknown_shape_of_source_is_not_kept(page: Page, site):
    page.goto(f"{site}/?via=%3Cscript%3E")
    expect(page).to_have_url(f"{site}/")
    assert page.evaluate("sessionStorage.getItem('civicportal.via')") is None


def test_an_htmx_vote_carries_the_source_in_a_header(page: Page, site):
    idea = idea_post(UserFactory(), title="A dog park by the old mill")
    resident = UserFactory(display_name="Bjarni")
    sign_in(page, site, resident.email)
    page.goto(f"{site}{idea.get_absolute_url()}?via=mastodon")
    expect(page).to_have_url(re.compile(rf"{idea.get_absolute_url()}$"))
    with page.expect_request(lambda r: r.method == "POST" and "/vote/" in r.url) as sent:
        page.get_by_role("button", name="Support").click()
    assert sent.value.headers.get("x-via") == "mastodon"
    expect(page.locator("[data-support-count]")).to_have_text("1 supporter")
