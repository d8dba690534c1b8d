"""A verified resident fills a knapsack ballot, watching the remaining budget, sends it and
changes it; a budget officer closes voting, counts and publishes; the results are public."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from budgeting.models import Ballot, BallotSubmission
from budgeting.roles import BUDGET_OFFICER
from tests import job_workers
from tests.accounts.factories import (
    AreaFactory,
    StaffFactory,
    UserFactory,
)
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e

# Counting is a background job: a real worker runs it (in-process on the embedded default).
job_files = job_workers.job_files
celery_worker_env = job_workers.celery_worker_env
job_worker = job_workers.job_worker
jobs_run = job_workers.jobs_run


def test_resident_votes_changes_ballot_and_staff_publish_results(
    page: Page, browser: Browser, site, jobs_run
):
    area = AreaFactory(name="Old Town", slug="old-town")
    resident = UserFactory(verified=True, home_area=area, email="anna@example.org")
    officer = StaffFactory(role=BUDGET_OFFICER, mfa=True, email="officer@example.org")
    process = ProcessFactory(title="Riverside budget", slug="riverside-budget")
    ballot = BallotFactory(process=process, kind=Ballot.Kind.KNAPSACK, budget=Decimal(10000))
    for title, cost in (("Solar lamps", 6000), ("Bike racks", 3000), ("Play area", 2500)):
        ProjectFactory(ballot=ballot, title=title, estimated_cost=Decimal(cost))

    sign_in(page, site, resident.email)
    page.goto(f"{site}/budget/riverside-budget/")
    page.get_by_role("link", name=re.compile("^Vote")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot: City-wide")
    status = page.locator("[data-ballot-status-text]")
    expect(status).to_have_text("Remaining budget: 10,000 EUR of 10,000 EUR")

    page.get_by_label(re.compile("^Solar lamps")).check()
    expect(status).to_have_text("Remaining budget: 4,000 EUR of 10,000 EUR")
    page.get_by_label(re.compile("^Bike racks")).check()
    expect(status).to_have_text("Remaining budget: 1,000 EUR of 10,000 EUR")
    page.get_by_label(re.compile("^Play area")).check()
    expect(status).to_have_text(re.compile("Over budget by 1,500 EUR"))
    send = page.get_by_role("button", name="Send my ballot")
    expect(send).to_be_disabled()
    page.get_by_label(re.compile("^Play area")).uncheck()
    expect(send).to_be_enabled()
    send.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot was recorded")
    choices = page.locator("[data-recorded-choices]")
    expect(choices).to_contain_text("Solar lamps")
    expect(choices).to_contain_text("Bike racks")

    page.get_by_role("link", name="Change my ballot").click()
    expect(page.get_by_label(re.compile("^Solar lamps"))).to_be_checked()
    page.get_by_label(re.compile("^Solar lamps")).uncheck()
    page.get_by_label(re.compile("^Play area")).check()
    expect(status).to_have_text("Remaining budget: 4,500 EUR of 10,000 EUR")
    page.get_by_role("button", name="Replace my ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot was recorded")
    expect(choices).not_to_contain_text("Solar lamps")
    expect(choices).to_contain_text("Play area")
    assert BallotSubmission.objects.get().revision == 2

    # The budget officer closes voting, counts and publishes, in the admin.
    staff = browser.new_context(locale="en-GB").new_page()
    sign_in(staff, site, officer.email, staff=True)
    for action in (
        "Move to the next phase",
        "Compute the results (voting closed)",
        "Publish the results",
    ):
        staff.goto(f"{site}/admin/budgeting/budgetprocess/")
        staff.locator(f"input[name='_selected_action'][value='{process.pk}']").check()
        staff.locator("select[name='action']").select_option(label=action)
        staff.get_by_role("button", name="Go").click()
        if action.startswith("Compute"):  # a background job: its page shows it finish
            expect(staff.locator("[data-job-state]")).to_have_text("Finished", timeout=90_000)
        else:
            expect(staff.locator(".messagelist .success")).to_be_visible()
    staff.context.close()

    page.goto(f"{site}/budget/riverside-budget/results/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results of Riverside budget")
    expect(page.locator("[data-results-summary]")).to_contain_text("1 person voted.")
    results = page.locator("[data-ballot-results]")
    expect(results.locator("[data-result-line]").filter(has_text="Bike racks")).to_contain_text(
        "Funded"
    )
    results.locator("[data-results-details] summary").click()
    expect(results).to_contain_text("Funded by the greedy count")
    expect(page.locator("table[data-turnout]")).to_contain_text("Online")
