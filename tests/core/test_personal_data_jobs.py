"""A resident's data download on a real worker: asking only starts a private job; the
worker writes the JSON file; the resident, and no one else, downloads it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from civicportal.accounts import roles
from civicportal.kernel import personal_data
from civicportal.kernel.models import Job
from tests import job_workers
from tests.accounts.factories import StaffFactory, UserFactory
from tests.core.factories import comment_post
from tests.processes import wait_for

# A real worker that shares this process's job files (tests/job_workers.py).
job_files = job_workers.job_files
celery_worker_env = job_workers.celery_worker_env
worker = job_workers.job_worker


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_worker_prepares_the_file_only_its_resident_downloads(
    client, resident, item, worker, settings
):
    settings.LANGUAGE_CODE = "en"
    comment_post(resident, item, "Bins on Mill Lane")
    client.force_login(resident)
    response = client.post(reverse("core:personal-data-export"))
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()

    def finished() -> bool:
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=60, message=f"job {job.pk} did not finish\n{worker.output()}")
    assert job.state == Job.State.SUCCEEDED, job.message
    parts = len(personal_data.parts())
    assert (job.progress_done, job.progress_total) == (parts, parts)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Your data (JSON)" in page and "Your data is ready: download it below." in page
    assert f"{parts} of {parts} done (100%)" in page
    download = reverse("kernel:job-download", args=[job.pk])
    data = json.loads(b"".join(client.get(download).streaming_content))
    assert data["account"] == {"id": resident.pk, "email": resident.email}
    comments = data["parts"]["participation"]["comments"]
    assert [c["text"] for c in comments] == ["Bins on Mill Lane"]

    for someone_else in (UserFactory(), StaffFactory(role=roles.ADMINISTRATOR, mfa=True)):
        client.force_login(someone_else)
        assert client.get(download).status_code == 403
        assert client.get(job.get_absolute_url()).status_code == 403
    assert f"Job {job.pk} (kernel.personal_data_export) succeeded" in worker.output()


def _finished_export(user) -> Job:
    """A resident's data export, run in this process as a worker runs it."""
    from civicportal.kernel.services import job_run

    job = Job.objects.create(kind="kernel.personal_data_export", started_by=user)
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message
    return job


@pytest.mark.django_db(transaction=True)
def test_deleting_the_account_deletes_its_data_exports_and_their_files(resident):
    from civicportal.core.services.personal_data import account_delete
    from civicportal.kernel.models import private_storage
    from tests.accounts.factories import DEFAULT_PASSWORD

    export = _finished_export(resident)
    other = _finished_export(UserFactory())
    staff_work = Job.objects.create(kind="kernel.check", started_by=resident)
    assert private_storage.exists(export.result_file.name)

    account_delete(user=resident, confirmation=DEFAULT_PASSWORD)

    assert not Job.objects.filter(pk=export.pk).exists()
    assert not private_storage.exists(export.result_file.name)
    assert Job.objects.filter(pk=other.pk).exists()  # someone else's stays
    assert private_storage.exists(other.result_file.name)
    staff_work.refresh_from_db()  # staff work stays, without a name
    assert staff_work.started_by is None


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_deletes_data_exports_a_week_after_they_finished(resident):
    from datetime import timedelta

    from django.utils import timezone

    from civicportal.kernel.models import private_storage
    from civicportal.kernel.services import job_sweep
    from civicportal.kernel.services.jobs import PRIVATE_KEEP_DAYS

    old, recent = _finished_export(resident), _finished_export(resident)
    Job.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - timedelta(days=PRIVATE_KEEP_DAYS, minutes=1)
    )
    check = Job.objects.create(kind="kernel.check", started_by=resident)
    Job.objects.filter(pk=check.pk).update(
        state=Job.State.SUCCEEDED, finished_at=timezone.now() - timedelta(days=30)
    )

    assert job_sweep().expired == 1
    assert not Job.objects.filter(pk=old.pk).exists()
    assert not private_storage.exists(old.result_file.name)
    assert private_storage.exists(recent.result_file.name)
    assert Job.objects.filter(pk=check.pk).exists()  # staff work is not a private copy


@pytest.mark.django_db(transaction=True)
def test_the_data_download_lists_the_jobs_one_started_but_not_the_downloads(resident):
    from civicportal.kernel.selectors import personal_data_export

    _finished_export(resident)
    check = Job.objects.create(kind="kernel.check", started_by=resident)
    Job.objects.create(kind="kernel.check", started_by=UserFactory())  # someone else's

    data = personal_data_export(user=resident)

    assert data["parts"]["background_jobs"] == [
        {
            "kind": "kernel.check",
            "state": Job.State.QUEUED,
            "started_at": check.created_at,
            "finished_at": None,
        }
    ]
