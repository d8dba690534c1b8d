"""The census import runs as a background job: the administrator's upload only starts it, a
worker checks and stores the file (counting its lines), and a bad line anywhere fails the
job, naming the line, with nothing imported."""

from __future__ import annotations

import time

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicportal.accounts.census import hash_identifier
from civicportal.accounts.models import CensusEntry, CensusImport
from civicportal.celery import app
from civicportal.kernel.models import Job
from civicportal.kernel.services import job_cancel, job_run
from tests import job_workers
from tests.accounts.factories import ResidencyRequestFactory, UserFactory
from tests.processes import wait_for

CENSUS_IMPORT = reverse("admin:accounts_censusimport_import")

# A real worker that shares this process's job files (tests/job_workers.py).
job_files = job_workers.job_files
celery_worker_env = job_workers.celery_worker_env
worker = job_workers.job_worker


_english_and_private_files = pytest.fixture(autouse=True)(job_workers.english_and_private_files)


def census_upload(count: int, *, name: str = "census.csv", bad_line: int | None = None):
    """``count`` distinct hashes (``identifier_hash,area``); line ``bad_line`` (numbered as
    in the file, the header being line 1) holds something that is not a hash."""
    lines = ["identifier_hash,area"]
    for number in range(count):
        lines.append(f"{number:064x},old-town")
    if bad_line is not None:
        lines[bad_line - 1] = "1201743389,old-town"  # a raw identifier, uploaded by mistake
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


wait_finished = job_workers.wait_finished


@pytest.mark.django_db
def test_a_bad_line_after_stored_batches_fails_the_job_and_rolls_everything_back(
    client, administrator, area
):
    """Rows are stored in batches of 1,000 as the file is read: a bad line at the end must
    still leave the census as it was."""
    CensusEntry.objects.create(
        identifier_hash=hash_identifier("0101"),
        census_import=CensusImport.objects.create(file_name="old.csv", row_count=1),
    )
    client.force_login(administrator)
    client.post(CENSUS_IMPORT, {"file": census_upload(3000, bad_line=2999)})
    job = Job.objects.get()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message.startswith("Line 2999: the value is not an identifier hash")
    assert "1201743389" not in job.message
    assert job.progress_total == 3000 and job.progress_done == 3000  # every line was checked
    assert CensusEntry.objects.count() == 1  # the old census, untouched
    assert CensusImport.objects.count() == 1


@pytest.mark.django_db
def test_every_bad_line_is_named_in_the_failed_job(client, administrator, area):
    lines = f"identifier_hash,area\n{'a' * 64},old-town\n{'a' * 64},old-town\n{'b' * 64},atlantis\n"
    client.force_login(administrator)
    client.post(CENSUS_IMPORT, {"file": SimpleUploadedFile("c.csv", lines.encode())})
    job = Job.objects.get()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "Line 3: the same identifier hash is already on line 2." in job.message
    assert 'Line 4: there is no area with the slug "atlantis".' in job.message
    assert not CensusEntry.objects.exists()


@pytest.mark.django_db
def test_an_administrator_who_lost_the_role_gets_a_failed_job(client, administrator, area):
    from civicportal.accounts import roles

    client.force_login(administrator)
    client.post(CENSUS_IMPORT, {"file": census_upload(3)})
    job = Job.objects.get()
    administrator.groups.remove(*administrator.groups.filter(name=roles.ADMINISTRATOR))
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message == "Only an administrator can import the census."
    assert not CensusEntry.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_upload_returns_at_once_and_leaves_the_work_to_a_worker(
    client, administrator, area, _celery_workers
):
    _celery_workers.stop()  # no worker: the job must wait, and the request must not
    broker = redis.Redis.from_url(app.conf.broker_url)
    before = broker.llen("celery")
    client.force_login(administrator)
    assert client.get(CENSUS_IMPORT).status_code == 200
    upload = census_upload(50_000)
    started = time.monotonic()
    response = client.post(CENSUS_IMPORT, {"file": upload})
    elapsed = time.monotonic() - started
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert elapsed < 1.0, f"starting the import took {elapsed:.2f} s"
    assert job.state == Job.State.QUEUED and job.kind == "accounts.census_import"
    assert not CensusEntry.objects.exists()
    assert broker.llen("celery") == before + 1  # handed to the broker on commit
    app.control.purge()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_census_job_on_the_worker_imports_verifies_and_reports_lines(
    client, administrator, area, worker
):
    resident = UserFactory()
    ResidencyRequestFactory(user=resident, area=area, identifier_hash=hash_identifier("777"))
    lines = [f"{number:064x},old-town" for number in range(4999)] + [
        f"{hash_identifier('777')},old-town"
    ]
    upload = SimpleUploadedFile(
        "census-2026.csv", ("identifier_hash,area\n" + "\n".join(lines) + "\n").encode()
    )
    client.force_login(administrator)
    response = client.post(CENSUS_IMPORT, {"file": upload})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    wait_finished(job, worker)
    assert job.state == Job.State.SUCCEEDED, job.message
    assert job.message == (
        "Imported 5000 census entries from census-2026.csv; 1 waiting residents verified."
    )
    assert (job.progress_done, job.progress_total) == (5000, 5000)
    assert CensusEntry.objects.count() == 5000
    resident.refresh_from_db()
    assert resident.is_verified
    page = client.get(job.get_absolute_url()).content.decode()
    assert "5,000 of 5,000 done (100%)" in page
    assert reverse("admin:accounts_censusimport_changelist") in page
    assert f"Job {job.pk} (accounts.census_import) succeeded" in worker.output()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_bad_file_fails_the_job_on_the_worker_and_imports_nothing(
    client, administrator, area, worker
):
    client.force_login(administrator)
    client.post(CENSUS_IMPORT, {"file": census_upload(4000, bad_line=3500)})
    job = wait_finished(Job.objects.get(), worker)
    assert job.state == Job.State.FAILED
    assert job.message.startswith("Line 3500: the value is not an identifier hash")
    assert not CensusEntry.objects.exists() and not CensusImport.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The job failed:" in page and "Line 3500:" in page


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_cancelling_the_census_job_on_the_worker_imports_nothing(
    client, administrator, area, worker
):
    client.force_login(administrator)
    client.post(CENSUS_IMPORT, {"file": census_upload(400_000)})
    job = Job.objects.get()
    wait_for(
        lambda: Job.objects.filter(pk=job.pk, progress_done__gt=0).exists(),
        timeout=60,
        message=f"the job did not start\n{worker.output()[-3000:]}",
    )
    job_cancel(job, administrator)
    wait_finished(job, worker)
    assert job.state == Job.State.CANCELLED, job.message
    assert 0 < job.progress_done < 400_000
    assert not CensusEntry.objects.exists() and not CensusImport.objects.exists()
