"""Consultations, budgets, projects and ideas each carry their own title, Open Graph and
Twitter card tags (with the card the portal draws when the item has no picture) and plain
share links, from the shared includes/share_meta.html and includes/share.html."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import Page, expect

from budgeting import services
from budgeting.roles import BUDGET_OFFICER
from tests.accounts.factories import StaffFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory
from tests.consultations.factories import ConsultationFactory, draft_with_paragraphs
from tests.proposals.factories import CategoryFactory, idea_post

pytestmark = pytest.mark.e2e

CARDS = "/share/card/"


def _meta(page: Page, key: str) -> str | None:
    attribute = "property" if key.startswith("og:") else "name"
    tag = page.locator(f'meta[{attribute}="{key}"]')
    expect(tag).to_have_count(1)
    return tag.get_attribute("content")


def _check_card_image(page: Page, site: str) -> None:
    image = _meta(page, "og:image")
    assert image.startswith(settings.SITE_URL + CARDS), image
    assert _meta(page, "twitter:image") == image
    # The live server stands in for SITE_URL: the same path must answer with the picture.
    parts = urlsplit(image)
    answer = page.request.get(f"{site}{parts.path}" + (f"?{parts.query}" if parts.query else ""))
    assert answer.status == 200 and answer.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(answer.body())).size == (1200, 630)


@pytest.fixture
def items():
    consultation = ConsultationFactory(
        title="A new plan for Riverside Park",
        slug="riverside-park",
        summary="Tell us **how** you use the park & what it should offer.",
    )
    draft, _paragraphs = draft_with_paragraphs(consultation)
    process = ProcessFactory(
        title="Riverside budget", slug="riverside-budget", description="Decide how to spend it."
    )
    project = ProjectFactory(
        ballot=BallotFactory(process=process),
        title="Bike racks at the station",
        description="Forty covered racks by the north entrance.",
    )
    idea = idea_post(UserFactory(), title="Longer library hours", category=CategoryFactory())
    return {
        "consultation": (consultation, consultation.title, "Tell us how you use the park"),
        "draft": (draft, draft.title, "Tell us how you use the park"),
        "process": (process, process.title, "Decide how to spend it."),
        "project": (project, project.title, "Forty covered racks"),
        "idea": (idea, idea.title, None),
    }


@pytest.mark.parametrize("kind", ["consultation", "draft", "process", "project", "idea"])
def test_item_pages_have_their_own_title_card_and_share_links(page: Page, site, items, kind):
    item, title, description = items[kind]
    page.goto(f"{site}{item.get_absolute_url()}")

    expect(page).to_have_title(re.compile(f"^{re.escape(title)}"))
    assert _meta(page, "og:title") == title
    assert _meta(page, "twitter:title") == title
    assert _meta(page, "og:url") == f"{settings.SITE_URL}{item.get_absolute_url()}"
    assert _meta(page, "twitter:card") == "summary_large_image"
    if description:
        assert _meta(page, "og:description").startswith(description)
        assert "**" not in _meta(page, "og:description")
        assert _meta(page, "description").startswith(description)
    _check_card_image(page, site)

    share = page.get_by_role("navigation", name="Share")
    email = share.get_by_role("link", name="Email")
    expect(email).to_have_attribute("href", re.compile(r"^mailto:\?subject="))
    expect(share.get_by_role("button", name="Copy link")).to_be_visible()
    # Plain links only: no script or frame from a social network on the page.
    assert page.locator("script[src^='http'], iframe").count() == 0


def test_pages_without_an_item_carry_a_card_of_their_title(page: Page, site):
    page.goto(f"{site}/budget/")
    _check_card_image(page, site)
    assert _meta(page, "twitter:card") == "summary_large_image"


def test_published_budget_results_have_their_own_card_and_share_links(page: Page, site):
    process = ProcessFactory(title="Harbour budget", slug="harbour-budget")
    ballot = BallotFactory(process=process, budget=Decimal(10000))
    racks = ProjectFactory(ballot=ballot, title="Bike racks", estimated_cost=Decimal(3000))
    officer = StaffFactory(role=BUDGET_OFFICER, mfa=True)
    services.ballot_cast(actor=UserFactory(verified=True), ballot=ballot, selections={racks.pk: 1})
    services.process_advance(actor=officer, process=process, to_state="closed")
    services.results_compute(actor=officer, process=process)
    services.process_advance(actor=officer, process=process, to_state="results")

    page.goto(f"{site}/budget/harbour-budget/results/")

    expect(page).to_have_title(re.compile("^Results · Harbour budget"))
    assert _meta(page, "og:title") == "Results of Harbour budget"
    assert _meta(page, "og:description") == (
        "1 of 1 project will be funded, costing 3,000 EUR of 10,000 EUR."
    )
    assert _meta(page, "description") == _meta(page, "og:description")
    _check_card_image(page, site)
    share = page.get_by_role("navigation", name="Share")
    expect(share.get_by_role("link", name="Email")).to_have_attribute(
        "href", re.compile("Results%20of%20Harbour%20budget")
    )
