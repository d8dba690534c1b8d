"""Importing a Pabulib file and counting the votes run as background jobs: the officer's
request only starts the job, a worker does the work and the job's page shows the outcome."""

from __future__ import annotations

import time

import pytest
import redis
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgeting import services
from budgeting.models import BallotSubmission, BudgetProcess, TallyResult
from budgeting.tallies import RULES
from civicportal.celery import app
from civicportal.kernel.models import Job
from civicportal.kernel.services import job_run
from tests import job_workers
from tests.budgeting.conftest import pb_file

IMPORT_URL = reverse("admin:budgeting_budgetprocess_import")
CHANGELIST_URL = reverse("admin:budgeting_budgetprocess_changelist")
SMALL = "poland_czestochowa_2020_grabowka"  # 201 ballots
LARGE = "poland_wroclaw_2020"  # 3.5 MB

# A real worker that shares this process's job files (tests/job_workers.py).
job_files = job_workers.job_files
celery_worker_env = job_workers.celery_worker_env
worker = job_workers.job_worker


_english_and_private_files = pytest.fixture(autouse=True)(job_workers.english_and_private_files)


def upload(stem: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{stem}.pb", pb_file(stem).read_bytes())


wait_finished = job_workers.wait_finished


# --- Starting is fast: the request does none of the work -----------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_import_request_returns_at_once_and_leaves_the_work_to_a_worker(
    client, officer, _celery_workers
):
    _celery_workers.stop()  # no worker: the job must wait, and the request must not
    broker = redis.Redis.from_url(app.conf.broker_url)
    before = broker.llen("celery")
    client.force_login(officer)
    assert client.get(IMPORT_URL).status_code == 200  # the officer opens the form first
    file = upload(LARGE)
    started = time.monotonic()
    response = client.post(IMPORT_URL, {"file": file, "title": "Wrocław 2020"})
    elapsed = time.monotonic() - started
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("kernel:job-detail", args=[job.pk])
    assert elapsed < 1.0, f"starting the import took {elapsed:.2f} s"
    assert job.state == Job.State.QUEUED and job.kind == "budgeting.pabulib_import"
    assert job.params == {"title": "Wrocław 2020"}
    assert job.inputs["file"]["name"] == f"{LARGE}.pb"
    assert not BudgetProcess.objects.exists()
    assert broker.llen("celery") == before + 1  # handed to the broker on commit
    app.control.purge()


# --- Pabulib import ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_import_job_on_the_worker_creates_the_process_and_links_to_it(client, officer, worker):
    client.force_login(officer)
    response = client.post(IMPORT_URL, {"file": upload(SMALL), "title": ""})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    stored_upload = job.inputs["file"]["path"]
    wait_finished(job, worker)
    assert job.state == Job.State.SUCCEEDED, job.message
    process = BudgetProcess.objects.get()
    assert job.message == f"Imported “{process.title}”."
    assert job.result_url == reverse("admin:budgeting_budgetprocess_change", args=[process.pk])
    assert (job.progress_done, job.progress_total) == (201, 201)
    assert BallotSubmission.objects.filter(ballot__process=process).count() == 201
    assert not job.result_file  # nothing to download: the outcome is the process
    from civicportal.kernel.models import private_storage

    assert not private_storage.exists(stored_upload)  # the upload went with the job
    page = client.get(job.get_absolute_url()).content.decode()
    assert "See the result" in page and job.result_url in page


BROKEN = """META
key;value
num_projects;2
num_votes;2
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
1;40;Park
2;60;Ben\x00ch
VOTES
voter_id;vote
a;1
b;2
"""


@pytest.mark.django_db
def test_a_bad_file_fails_the_job_naming_the_line_and_imports_nothing(client, officer):
    client.force_login(officer)
    client.post(IMPORT_URL, {"file": SimpleUploadedFile("bad.pb", BROKEN.encode())})
    job = Job.objects.get()
    job_run(job.pk)  # what the worker does with the task
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message.startswith("Line 10: an invisible control character (U+0000)")
    assert not BudgetProcess.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The job failed:" in page and "Line 10: an invisible control character" in page


@pytest.mark.django_db
def test_import_page_keeps_form_errors_and_refuses_other_staff(client, officer):
    from civicportal.accounts import roles
    from tests.accounts.factories import StaffFactory

    client.force_login(officer)
    response = client.post(IMPORT_URL, {"title": "No file"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Job.objects.exists()
    client.force_login(StaffFactory(role=roles.MODERATOR, mfa=True))
    response = client.post(IMPORT_URL, {"file": upload(SMALL)})
    assert response.status_code == 403
    assert not Job.objects.exists()


# --- Counting the votes ----------------------------------------------------------------------


@pytest.fixture
def closed_process():
    """A closed process with real ballots: a Pabulib file imported (no results yet)."""
    return services.pabulib_import(actor=None, source=pb_file(SMALL))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_results_job_on_the_worker_stores_the_results_the_results_page_shows(
    client, officer, worker, closed_process
):
    client.force_login(officer)
    response = client.post(
        CHANGELIST_URL, {"action": "compute_results", ACTION_CHECKBOX_NAME: [closed_process.pk]}
    )
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    wait_finished(job, worker)
    assert job.state == Job.State.SUCCEEDED, job.message
    assert job.message == (
        f"{closed_process}: 3 results computed; check them on the results page, then publish."
    )
    assert (job.progress_done, job.progress_total) == (len(RULES), len(RULES))
    assert TallyResult.objects.filter(ballot__process=closed_process).count() == len(RULES)
    assert job.result_url == reverse("budgeting:results", args=[closed_process.slug])
    results = client.get(job.result_url)
    assert results.status_code == 200
    assert "Funded" in results.content.decode()


@pytest.mark.django_db
def test_counting_again_unchanged_fails_the_job_with_the_services_message(
    client, officer, closed_process
):
    services.results_compute(actor=officer, process=closed_process)
    client.force_login(officer)
    client.post(
        CHANGELIST_URL, {"action": "compute_results", ACTION_CHECKBOX_NAME: [closed_process.pk]}
    )
    job = Job.objects.get()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "already computed from exactly these ballots" in job.message


@pytest.mark.django_db
def test_the_action_refuses_a_process_still_voting_without_starting_a_job(client, officer):
    from tests.budgeting.factories import BallotFactory

    ballot = BallotFactory()
    client.force_login(officer)
    response = client.post(
        CHANGELIST_URL,
        {"action": "compute_results", ACTION_CHECKBOX_NAME: [ballot.process.pk]},
        follow=True,
    )
    assert "once voting has closed" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_results_compute_reports_one_step_per_ballot_and_rule(officer, closed_process):
    class Recorded:
        def __init__(self) -> None:
            self.totals, self.done, self.messages = [], 0, []

        def total(self, n: int) -> None:
            self.totals.append(n)

        def advance(self, n: int = 1, message: str | None = None) -> None:
            self.done += n
            if message:
                self.messages.append(message)

    progress = Recorded()
    services.results_compute(actor=officer, process=closed_process, progress=progress)
    assert progress.totals == [len(RULES)] and progress.done == len(RULES)
    assert any("counting by Method of Equal Shares" in m for m in progress.messages)
