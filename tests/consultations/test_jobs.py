"""The staff export of a consultation's responses runs as a background job: the button only
starts it, a worker writes the anonymised CSV (counting the responses), and staff download
the file from the job's page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from budgeting.roles import BUDGET_OFFICER
from civicportal.kernel.models import Job
from civicportal.kernel.services import job_run
from consultations import services
from consultations.roles import CONSULTATION_MANAGER
from tests import job_workers
from tests.accounts.factories import StaffFactory, UserFactory
from tests.consultations.conftest import Questionnaire
from tests.consultations.factories import ConsultationFactory
from tests.processes import wait_for

# A real worker that shares this process's job files (tests/job_workers.py).
job_files = job_workers.job_files
celery_worker_env = job_workers.celery_worker_env
worker = job_workers.job_worker


_english_and_private_files = pytest.fixture(autouse=True)(job_workers.english_and_private_files)


def answered(count: int) -> Questionnaire:
    q = Questionnaire(ConsultationFactory(title="Cycling in Old Town"))
    for number in range(count):
        answers = q.valid({q.idea.pk: {"text": f"Idea {number}"}})
        services.response_submit(consultation=q.consultation, user=UserFactory(), answers=answers)
    return q


def export_url(q: Questionnaire) -> str:
    return reverse("consultations:staff-export", args=[q.consultation.slug])


@pytest.mark.django_db
def test_pressing_export_does_no_work_in_the_request(
    client, manager, django_capture_on_commit_callbacks
):
    q = answered(2)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(export_url(q))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert len(callbacks) == 1  # handed to the workers on commit, nothing more
    assert job.state == Job.State.QUEUED and job.params == {"consultation_id": q.consultation.pk}
    assert job.progress_total is None and not job.result_file


@pytest.mark.django_db
def test_a_manager_who_lost_the_role_gets_a_failed_job_and_no_file(client, manager):
    q = answered(1)
    client.force_login(manager)
    client.post(export_url(q))
    job = Job.objects.get()
    manager.groups.clear()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message == "You may no longer see the responses of this consultation."
    assert not job.result_file


@pytest.mark.django_db
def test_a_consultation_deleted_meanwhile_fails_the_job_clearly(client, manager):
    consultation = ConsultationFactory()  # no questions yet: it may still be deleted
    client.force_login(manager)
    client.post(reverse("consultations:staff-export", args=[consultation.slug]))
    job = Job.objects.get()
    consultation.delete()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message == "The consultation no longer exists."


@pytest.mark.django_db
def test_the_file_is_for_consultation_staff_only(client, manager):
    q = answered(1)
    client.force_login(manager)
    client.post(export_url(q))
    job = Job.objects.get()
    job_run(job.pk)
    download = reverse("kernel:job-download", args=[job.pk])
    client.force_login(StaffFactory(role=CONSULTATION_MANAGER, mfa=True))
    assert client.get(download).status_code == 200  # a colleague in the same role
    for outsider in (UserFactory(), StaffFactory(role=BUDGET_OFFICER, mfa=True)):
        client.force_login(outsider)
        assert client.get(download).status_code == 403
        assert client.get(job.get_absolute_url()).status_code == 403


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_export_job_on_the_worker_offers_the_csv_on_its_page(client, manager, worker):
    q = answered(25)
    client.force_login(manager)
    response = client.post(export_url(q))
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()

    def finished() -> bool:
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=60, message=f"job {job.pk} did not finish\n{worker.output()}")
    assert job.state == Job.State.SUCCEEDED, job.message
    assert (job.progress_done, job.progress_total) == (25, 25)
    assert job.message == "25 responses of “Cycling in Old Town” exported."
    page = client.get(job.get_absolute_url()).content.decode()
    name = f"{q.consultation.slug}-responses.csv"
    assert "25 of 25 done (100%)" in page and f"Download {name}" in page
    download = client.get(reverse("kernel:job-download", args=[job.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["respondent", "last changed (date)", "1. How do you get to work?"]
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, 26)]
    ideas = rows[0].index("4. Ideas?")
    assert sorted(row[ideas] for row in rows[1:]) == sorted(f"Idea {n}" for n in range(25))
    assert f"Job {job.pk} (consultations.responses_export) succeeded" in worker.output()
