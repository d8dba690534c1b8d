"""Three long operations that run as background jobs, through the browser: a consultation
manager exports the responses and downloads the CSV; a resident asks for their data and
downloads it; an administrator imports a census file. Each lands on the job's progress
page, sees it finish with its counts, and gets the outcome there. On PostgreSQL a real
worker runs the jobs; on the embedded default (SQLite, no broker) they run in-process when
the starting request commits."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from civicportal.accounts import roles
from civicportal.accounts.census import hash_identifier
from civicportal.accounts.models import CensusEntry
from civicportal.kernel.models import Job
from consultations import services as consultation_services
from consultations.roles import CONSULTATION_MANAGER
from tests import job_workers
from tests.accounts.factories import AreaFactory, ResidencyRequestFactory, StaffFactory, UserFactory
from tests.consultations.conftest import Questionnaire
from tests.consultations.factories import ConsultationFactory
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e

job_files = job_workers.job_files
celery_worker_env = job_workers.celery_worker_env
job_worker = job_workers.job_worker
jobs_run = job_workers.jobs_run

JOB_PAGE = re.compile(r"/staff/jobs/\d+/$")
FINISHED_WITHIN_MS = 90_000


@pytest.fixture(autouse=True)
def _shared_private_files(settings, job_files):
    """The jobs' files where the worker (if any) keeps them too (tests/job_workers.py)."""
    settings.PRIVATE_MEDIA_ROOT = job_files / "private"


def test_manager_exports_the_responses_and_downloads_the_csv(page: Page, site, jobs_run):
    manager = StaffFactory(role=CONSULTATION_MANAGER, mfa=True, email="manager@example.org")
    q = Questionnaire(ConsultationFactory(title="Cycling in Old Town", slug="old-town-cycling"))
    for idea in ("More racks", "=HYPERLINK(1)", "Wider lanes"):
        consultation_services.response_submit(
            consultation=q.consultation,
            user=UserFactory(),
            answers=q.valid({q.idea.pk: {"text": idea}}),
        )
    sign_in(page, site, manager.email, staff=True)
    page.goto(f"{site}/staff/consultations/old-town-cycling/results/")
    page.get_by_role("button", name="Export the responses (CSV, anonymised)").click()

    expect(page).to_have_url(JOB_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Export of consultation responses (CSV)"
    )
    expect(page.locator("[data-job-state]")).to_have_text("Finished", timeout=FINISHED_WITHIN_MS)
    expect(page.locator("[data-job-counts]")).to_contain_text("3 of 3 done (100%)")
    expect(page.locator("[data-job-message]")).to_have_text(
        "3 responses of “Cycling in Old Town” exported."
    )
    with page.expect_download() as info:
        page.get_by_role("link", name="Download old-town-cycling-responses.csv").click()
    download = info.value
    assert download.suggested_filename == "old-town-cycling-responses.csv"
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    ideas = rows[0].index("4. Ideas?")
    assert sorted(row[ideas] for row in rows[1:]) == ["'=HYPERLINK(1)", "More racks", "Wider lanes"]

    page.get_by_role("link", name="See the result").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Live results of Cycling in Old Town")


def test_resident_asks_for_their_data_and_downloads_it(page: Page, site, jobs_run):
    resident = UserFactory(email="rut@example.org", display_name="Rut")
    sign_in(page, site, resident.email)
    page.goto(f"{site}/profile/")
    page.get_by_role("button", name="Download everything we hold about you (JSON)").click()

    expect(page).to_have_url(JOB_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data (JSON)")
    expect(page.locator("[data-job-state]")).to_have_text("Finished", timeout=FINISHED_WITHIN_MS)
    expect(page.locator("[data-job-counts]")).to_contain_text("done (100%)")
    expect(page.locator("[data-job-message]")).to_have_text(
        "Your data is ready: download it below."
    )
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"^Download my-data-.*\.json$")).click()
    download = info.value
    data = json.loads(Path(download.path()).read_bytes())
    assert data["account"] == {"id": resident.pk, "email": "rut@example.org"}
    assert data["parts"]["account"]["profile"]["display_name"] == "Rut"

    # The page where residents ask for it lists the download, for coming back later.
    page.goto(f"{site}/profile/data/")
    expect(page.locator("[data-personal-data-exports]")).to_contain_text("Finished")
    assert Job.objects.get().started_by == resident


def test_administrator_imports_a_census_file_as_a_job(page: Page, site, jobs_run, tmp_path):
    area = AreaFactory(name="Old Town", slug="old-town")
    administrator = StaffFactory(role=roles.ADMINISTRATOR, mfa=True, email="admin@example.org")
    waiting = UserFactory(email="sam@example.org")
    ResidencyRequestFactory(user=waiting, area=area, identifier_hash=hash_identifier("4455"))
    census = tmp_path / "census-2026.csv"
    lines = [f"{number:064x},old-town" for number in range(2999)]
    lines.append(f"{hash_identifier('4455')},old-town")
    census.write_text("identifier_hash,area\n" + "\n".join(lines) + "\n", encoding="utf-8")

    sign_in(page, site, administrator.email, staff=True)
    page.goto(f"{site}/admin/accounts/censusimport/")
    page.get_by_role("link", name="Import a census file").click()
    page.get_by_label("Census file (CSV)").set_input_files(census)
    page.get_by_role("button", name="Import").click()

    expect(page).to_have_url(JOB_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Census import")
    expect(page.locator("[data-job-state]")).to_have_text("Finished", timeout=FINISHED_WITHIN_MS)
    expect(page.locator("[data-job-counts]")).to_contain_text("3,000 of 3,000 done (100%)")
    expect(page.locator("[data-job-message]")).to_have_text(
        "Imported 3000 census entries from census-2026.csv; 1 waiting residents verified."
    )
    page.get_by_role("link", name="See the result").click()
    expect(page).to_have_url(re.compile(r"/admin/accounts/censusimport/$"))
    expect(page.locator("#result_list")).to_contain_text("census-2026.csv")
    assert CensusEntry.objects.count() == 3000
    waiting.refresh_from_db()
    assert waiting.is_verified
