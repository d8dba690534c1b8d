"""A budget officer imports a Pabulib file and counts the votes: each starts a background
job, the browser lands on the job's progress page, sees it finish and follows it to the
outcome. On PostgreSQL a real worker runs the jobs; on the embedded default (SQLite, no
broker) they run in-process when the starting request commits."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from budgeting import services
from budgeting.roles import BUDGET_OFFICER
from civicportal.kernel.models import Job
from tests import job_workers
from tests.accounts.factories import StaffFactory
from tests.budgeting.conftest import pb_file
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e

job_files = job_workers.job_files
celery_worker_env = job_workers.celery_worker_env
job_worker = job_workers.job_worker
jobs_run = job_workers.jobs_run

JOB_PAGE = re.compile(r"/staff/jobs/\d+/$")
FINISHED_WITHIN_MS = 90_000


@pytest.fixture
def officer(db):
    return StaffFactory(role=BUDGET_OFFICER, mfa=True, email="officer@example.org")


def test_officer_imports_a_pabulib_file_as_a_job_and_reaches_the_process(
    page: Page, site, officer, jobs_run
):
    sign_in(page, site, officer.email, staff=True)
    page.goto(f"{site}/admin/budgeting/budgetprocess/import/")
    page.get_by_label("Pabulib file (.pb)").set_input_files(
        pb_file("poland_czestochowa_2020_grabowka")
    )
    page.get_by_label("Title").fill("Grabówka 2020")
    page.get_by_role("button", name="Import").click()

    expect(page).to_have_url(JOB_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pabulib import")
    expect(page.locator("[data-job-state]")).to_have_text("Finished", timeout=FINISHED_WITHIN_MS)
    expect(page.locator("[data-job-counts]")).to_contain_text("201 of 201 done (100%)")
    expect(page.locator("[data-job-message]")).to_have_text("Imported “Grabówka 2020”.")
    expect(page.get_by_role("button", name="Cancel the job")).to_have_count(0)

    page.get_by_role("link", name="See the result").click()
    expect(page).to_have_url(re.compile(r"/admin/budgeting/budgetprocess/\d+/change/$"))
    expect(page.get_by_label("Title")).to_have_value("Grabówka 2020")
    assert Job.objects.get().state == Job.State.SUCCEEDED


def test_officer_counts_the_votes_as_a_job_and_reaches_the_results(
    page: Page, site, officer, jobs_run
):
    process = services.pabulib_import(
        actor=None, source=pb_file("poland_czestochowa_2020_grabowka"), title="Grabówka"
    )
    sign_in(page, site, officer.email, staff=True)
    page.goto(f"{site}/admin/budgeting/budgetprocess/")
    page.locator(f"input[name='_selected_action'][value='{process.pk}']").check()
    page.locator("select[name='action']").select_option(label="Compute the results (voting closed)")
    page.get_by_role("button", name="Go").click()

    expect(page).to_have_url(JOB_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Counting the votes")
    expect(page.locator("[data-job-state]")).to_have_text("Finished", timeout=FINISHED_WITHIN_MS)
    expect(page.locator("[data-job-message]")).to_contain_text("3 results computed")

    page.get_by_role("link", name="See the result").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results of Grabówka")
    expect(page.locator("[data-results-chart]").first).to_contain_text("Funded")

    # The list of the officer's jobs leads back to it.
    page.goto(f"{site}/staff/jobs/")
    expect(page.locator("[data-job-list]")).to_contain_text("Counting the votes")
