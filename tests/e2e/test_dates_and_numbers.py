"""Dates, times and numbers as residents read them (issue 18, points 5 and 6).

- A date or time that ends a sentence ends it once: no "00:16 a.m.." on the home page, the
  lists or a ballot receipt, and no "Signed in as Chloe H.." after signing in.
- English and Icelandic both use the 24-hour clock ("kl. 00:16", never "f.h."/"e.h.").
- A share is rounded, not cut: 16 ballots of 24 verified residents is 66.7 %.
- The demo city's dates follow each other: no idea forwarded before it was proposed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from budgeting import services as budget_services
from budgeting.models import Ballot
from budgeting.roles import BUDGET_OFFICER
from civicportal.core import demo
from tests.accounts.factories import StaffFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory
from tests.consultations.factories import ConsultationFactory
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e

# Two full stops in a row that are not part of an ellipsis ("...").
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
TWELVE_HOUR = re.compile(r"\b(a\.m\.|p\.m\.|AM|PM|f\.h\.|e\.h\.)", re.IGNORECASE)


def _just_after_midnight() -> datetime:
    """Sixteen minutes past midnight, three days from now, in the council's time zone: the
    time that read "12:16 a.m.." before."""
    local = timezone.localtime() + timedelta(days=3)
    return local.replace(hour=0, minute=16, second=0, microsecond=0)


def _main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def test_dates_end_a_sentence_once_on_a_24_hour_clock(page: Page, site):
    ConsultationFactory(title="Harbour walk", closes_at=_just_after_midnight())
    for path in ("/", "/consultations/"):
        page.goto(f"{site}{path}")
        text = _main_text(page)
        assert re.search(r"\b00:16\.", text), (path, text)
        assert not DOUBLE_STOP.search(text), (path, DOUBLE_STOP.search(text))
        assert not TWELVE_HOUR.search(text), (path, TWELVE_HOUR.search(text))


def test_icelandic_times_use_the_24_hour_clock(browser: Browser, site):
    ConsultationFactory(title="Hafnargangan", closes_at=_just_after_midnight())
    page = browser.new_context(locale="is-IS").new_page()
    page.goto(f"{site}/consultations/")
    expect(page.locator("html")).to_have_attribute("lang", "is")
    text = _main_text(page)
    assert re.search(r"\d{1,2}\. \w+ \d{4} kl\. 00:16\.", text), text
    assert not DOUBLE_STOP.search(text) and not TWELVE_HOUR.search(text), text
    page.context.close()


def test_a_ballot_receipt_and_a_name_with_a_full_stop_end_once(page: Page, site):
    chloe = UserFactory(display_name="Chloe H.", verified=True)
    ballot = BallotFactory(process=ProcessFactory(title="Parks 2027"), budget=Decimal(10000))
    project = ProjectFactory(ballot=ballot, title="Picnic tables")
    budget_services.ballot_cast(actor=chloe, ballot=ballot, selections={project.pk: 1})

    sign_in(page, site, chloe.email)
    messages = page.get_by_role("status").filter(has_text="signed in as")
    expect(messages.first).to_contain_text("Successfully signed in as Chloe H.")
    assert "Chloe H.." not in messages.first.inner_text()

    page.goto(f"{site}/budget/{ballot.process.slug}/ballots/{ballot.pk}/")
    receipt = page.get_by_text("You voted on this ballot on")
    expect(receipt).to_be_visible()
    assert not DOUBLE_STOP.search(receipt.inner_text()), receipt.inner_text()
    assert not TWELVE_HOUR.search(receipt.inner_text()), receipt.inner_text()


def test_turnout_is_rounded_not_cut(page: Page, site):
    """16 of 24 verified residents voted: 66.666… % shows as 66.7 %, not 66.6 %."""
    officer = StaffFactory(role=BUDGET_OFFICER, mfa=True)
    process = ProcessFactory(title="Riverside 2026", slug="riverside-2026")
    ballot = BallotFactory(process=process, kind=Ballot.Kind.KNAPSACK, budget=Decimal(10000))
    projects = [ProjectFactory(ballot=ballot, estimated_cost=Decimal(3000)) for _ in range(3)]
    residents = [UserFactory(verified=True) for _ in range(24)]
    for index, voter in enumerate(residents[:16]):
        budget_services.ballot_cast(
            actor=voter, ballot=ballot, selections={projects[index % 3].pk: 1}
        )
    budget_services.process_advance(actor=officer, process=process, to_state="closed")
    budget_services.results_compute(actor=officer, process=process)
    budget_services.process_advance(actor=officer, process=process, to_state="results")

    page.goto(f"{site}/budget/{process.slug}/results/")
    summary = _main_text(page)
    assert "16 people voted. That is 66.7 % of the 24 verified residents." in summary
    assert "66.6" not in summary


def test_no_demo_idea_is_forwarded_before_it_was_proposed(page: Page, site):
    demo.seed_demo()
    page.goto(f"{site}/ideas/forwarded/")
    rows = page.locator("table[data-forwarded] tbody tr")
    count = rows.count()
    assert count > 0, "the demo city forwards no idea: nothing to check"
    forwarded = []
    for index in range(count):
        row = rows.nth(index)
        forwarded.append(
            (
                row.get_by_role("link").first.get_attribute("href"),
                row.locator("time").get_attribute("datetime"),
            )
        )
    for href, forwarded_at in forwarded:
        page.goto(f"{site}{href}")
        byline = page.get_by_text(re.compile(r"Proposed by .+ on \d{1,2} \w+ \d{4}")).first
        proposed = re.search(r"on (\d{1,2} \w+ \d{4})", byline.inner_text()).group(1)
        proposed_on = datetime.strptime(proposed, "%d %B %Y").date()
        forwarded_on = datetime.fromisoformat(forwarded_at).date()
        assert proposed_on <= forwarded_on, (href, proposed_on, forwarded_on)
