"""Staff screens: the residency queue, census upload, users and areas."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alerts.roles import ALERT_APPROVER
from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from civicportal.accounts.census import hash_identifier
from civicportal.accounts.models import Area, CensusEntry, CensusImport, ResidencyRequest, User
from civicportal.kernel.models import Job
from civicportal.kernel.services import job_run
from consultations.roles import CONSULTATION_MANAGER
from tests.accounts.factories import (
    ResidencyRequestFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:accounts_residencyrequest_changelist")
CENSUS_IMPORT = reverse("admin:accounts_censusimport_import")


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_residency_queue_lists_pending_first_oldest_first(admin_client, area):
    reviewed = ResidencyRequestFactory(
        status=ResidencyRequest.Status.REJECTED, reviewed_at="2026-01-01T00:00:00Z", area=area
    )
    newer = ResidencyRequestFactory(created_at="2026-03-02T00:00:00Z", area=area)
    older = ResidencyRequestFactory(created_at="2026-03-01T00:00:00Z", area=area)
    response = admin_client.get(QUEUE)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [older, newer, reviewed]


def test_bulk_approve_verifies_every_selected_resident(admin_client, area):
    requests = ResidencyRequestFactory.create_batch(3, area=area)
    response = admin_client.post(
        QUEUE,
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [r.pk for r in requests[:2]]},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 residents verified." in response.content.decode()
    statuses = {r.pk: r.status for r in ResidencyRequest.objects.all()}
    assert [statuses[r.pk] for r in requests] == ["approved", "approved", "pending"]
    assert User.objects.get(pk=requests[0].user.pk).is_verified


def test_bulk_reject_asks_for_a_reason_first(admin_client, area):
    requests = ResidencyRequestFactory.create_batch(2, area=area)
    ids = [r.pk for r in requests]
    response = admin_client.post(QUEUE, {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids})
    assert response.status_code == 200
    assert "Reason shown to the residents" in response.content.decode()
    assert ResidencyRequest.objects.filter(status="pending").count() == 2

    response = admin_client.post(
        QUEUE,
        {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids, "apply": "1", "reason": ""},
    )
    assert response.status_code == 200  # the form again, with the error
    assert ResidencyRequest.objects.filter(status="pending").count() == 2

    response = admin_client.post(
        QUEUE,
        {
            "action": "reject_selected",
            ACTION_CHECKBOX_NAME: ids,
            "apply": "1",
            "reason": "Please give your full street address.",
        },
    )
    assert response.status_code == 302
    assert set(ResidencyRequest.objects.values_list("status", "staff_reason")) == {
        ("rejected", "Please give your full street address.")
    }


def test_bulk_action_skips_requests_already_reviewed(admin_client, area):
    done = ResidencyRequestFactory(
        area=area, status=ResidencyRequest.Status.REJECTED, reviewed_at="2026-01-01T00:00:00Z"
    )
    response = admin_client.post(
        QUEUE, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [done.pk]}, follow=True
    )
    assert "already reviewed" in response.content.decode()
    done.refresh_from_db()
    assert done.status == "rejected"


@pytest.mark.parametrize("role", [roles.MODERATOR, BUDGET_OFFICER, ALERT_APPROVER])
def test_other_roles_cannot_see_the_residency_queue_or_census(client, role):
    client.force_login(StaffFactory(role=role, mfa=True))
    assert client.get(QUEUE).status_code == 403
    assert client.get(CENSUS_IMPORT).status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


@pytest.fixture
def private_files(settings, tmp_path):
    """Where the census upload's background job keeps the file (a folder of this test)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_census_upload_starts_a_job_that_imports_and_verifies(
    admin_client, administrator, area, private_files, english
):
    resident = UserFactory()
    ResidencyRequestFactory(user=resident, area=area, identifier_hash=hash_identifier("12345"))
    upload = SimpleUploadedFile(
        "census-2026.csv",
        f"identifier_hash,area\n{hash_identifier('12345')},old-town\n".encode(),
        content_type="text/csv",
    )
    response = admin_client.post(CENSUS_IMPORT, {"file": upload})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.state, job.started_by) == (
        "accounts.census_import",
        Job.State.QUEUED,
        administrator,
    )
    assert job.inputs["file"]["name"] == "census-2026.csv"
    assert not CensusImport.objects.exists()  # the request only started the job

    job_run(job.pk)  # what the worker does with the task
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message
    assert job.message == (
        "Imported 1 census entries from census-2026.csv; 1 waiting residents verified."
    )
    assert (job.progress_done, job.progress_total) == (1, 1)
    assert job.result_url == reverse("admin:accounts_censusimport_changelist")
    batch = CensusImport.objects.get()
    assert (batch.file_name, batch.row_count, batch.matched_count) == ("census-2026.csv", 1, 1)
    assert batch.imported_by == administrator
    resident.refresh_from_db()
    assert resident.is_verified
    page = admin_client.get(job.get_absolute_url()).content.decode()
    assert "1 of 1 done (100%)" in page and "See the result" in page


def test_census_upload_of_a_bad_file_fails_the_job_naming_the_line_and_imports_nothing(
    admin_client, area, private_files, english
):
    upload = SimpleUploadedFile(
        "bad.csv",
        f"identifier_hash\n{'a' * 64}\nnot-a-hash\n{'b' * 64}\n".encode(),
        content_type="text/csv",
    )
    admin_client.post(CENSUS_IMPORT, {"file": upload})
    job = Job.objects.get()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message.startswith("Line 3: the value is not an identifier hash")
    assert "not-a-hash" not in job.message  # a raw identifier is never echoed back
    assert not CensusEntry.objects.exists() and not CensusImport.objects.exists()
    page = admin_client.get(job.get_absolute_url()).content.decode()
    assert "The job failed:" in page and "Line 3: the value is not an identifier hash" in page


def test_census_upload_page_keeps_form_errors_and_starts_nothing(admin_client, english):
    response = admin_client.post(CENSUS_IMPORT, {"file": SimpleUploadedFile("empty.csv", b"")})
    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize("role", [roles.MODERATOR, CONSULTATION_MANAGER])
def test_other_staff_cannot_start_a_census_job(client, role, private_files):
    client.force_login(StaffFactory(role=role, mfa=True))
    upload = SimpleUploadedFile("c.csv", f"identifier_hash\n{'c' * 64}\n".encode())
    assert client.post(CENSUS_IMPORT, {"file": upload}).status_code == 403
    assert not Job.objects.exists()


def test_census_changelist_links_to_the_upload_page(admin_client):
    response = admin_client.get(reverse("admin:accounts_censusimport_changelist"))
    assert CENSUS_IMPORT in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "admin:index",
        "admin:accounts_user_changelist",
        "admin:accounts_user_add",
        "admin:accounts_area_changelist",
        "admin:accounts_area_add",
        "admin:accounts_censusentry_changelist",
        "admin:accounts_censusimport_changelist",
    ],
)
def test_admin_pages_render_for_an_administrator(admin_client, name):
    assert admin_client.get(reverse(name)).status_code == 200


def test_user_admin_searches_filters_and_edits(admin_client, area):
    resident = UserFactory(email="sigrun@example.org", display_name="Sigrún")
    changelist = reverse("admin:accounts_user_changelist")
    response = admin_client.get(changelist, {"q": "Sigrún"})
    assert list(response.context["cl"].result_list) == [resident]
    response = admin_client.get(changelist, {"verified": "no", "is_staff__exact": "0"})
    assert resident in response.context["cl"].result_list
    response = admin_client.get(reverse("admin:accounts_user_change", args=[resident.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="display_name"' in html and 'name="groups"' in html
    assert 'name="is_superuser"' not in html  # only a superuser grants superuser status


def test_user_admin_creates_an_account_by_email(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "new.staff@council.example.org", "usable_password": "false"},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new.staff@council.example.org").exists()


def test_administrator_cannot_edit_a_superuser(admin_client):
    superuser = StaffFactory(is_superuser=True)
    response = admin_client.get(reverse("admin:accounts_user_change", args=[superuser.pk]))
    assert response.status_code == 200
    assert 'name="email"' not in response.content.decode()  # read-only view


def test_area_admin_rejects_an_invalid_boundary(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_area_add"),
        {"name": "Harbour", "slug": "harbour", "description": "", "boundary": '{"type": "Point"}'},
    )
    assert response.status_code == 200
    assert "Polygon or MultiPolygon" in response.content.decode()
    assert not Area.objects.filter(slug="harbour").exists()


def test_area_admin_saves_a_valid_polygon(admin_client):
    polygon = (
        '{"type": "Polygon", "coordinates": [[[-21.9, 64.1], [-21.8, 64.1], '
        "[-21.8, 64.2], [-21.9, 64.1]]]}"
    )
    response = admin_client.post(
        reverse("admin:accounts_area_add"),
        {"name": "Harbour", "slug": "harbour", "description": "", "boundary": polygon},
    )
    assert response.status_code == 302
    assert Area.objects.get(slug="harbour").boundary["type"] == "Polygon"


def test_admin_index_hides_accounts_from_a_moderator(client):
    client.force_login(StaffFactory(role=roles.MODERATOR, mfa=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert reverse("admin:accounts_residencyrequest_changelist") not in response.content.decode()


def test_residency_request_changes_are_audited(admin_client, administrator, area):
    from auditlog.models import LogEntry

    request = ResidencyRequestFactory(area=area)
    admin_client.post(QUEUE, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [request.pk]})
    entry = LogEntry.objects.get_for_object(request).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == administrator
    assert "status" in entry.changes_dict
