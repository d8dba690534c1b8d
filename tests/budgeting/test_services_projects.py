"""Budgeting services on PostgreSQL: submitting projects and reviewing them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from budgeting import services
from budgeting.models import BudgetProcess, Project
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory

pytestmark = pytest.mark.django_db
State = BudgetProcess.State


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif.get_ifd(0x8825)[2] = (64.0, 9.0, 0.0)  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_project_submit_reencodes_the_image_without_metadata(resident):
    process = ProcessFactory(state=State.SUBMISSION, voting_closes=None)
    ballot = BallotFactory(process=process)
    upload = SimpleUploadedFile("my-photo.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    project = services.project_submit(
        actor=resident,
        process=process,
        ballot=ballot,
        title="A bench",
        description="By the pond.",
        estimated_cost=Decimal(900),
        image=upload,
        image_description="A red square",
    )
    assert project.feasibility == "pending" and project.submitted_by == resident
    assert "my-photo" not in project.image.name
    with Image.open(project.image.path) as stored:
        assert not stored.getexif()
        assert stored.size == (40, 30)


def test_project_submit_refuses_a_file_that_is_not_an_image(resident):
    process = ProcessFactory(state=State.SUBMISSION, voting_closes=None)
    ballot = BallotFactory(process=process)
    upload = SimpleUploadedFile("x.jpg", b"not really", content_type="image/jpeg")
    with pytest.raises(ValidationError, match="not a picture we can read"):
        services.project_submit(
            actor=resident,
            process=process,
            ballot=ballot,
            title="T",
            description="D",
            estimated_cost=Decimal(1),
            image=upload,
            image_description="x",
        )
    assert not Project.objects.exists()


def test_project_submit_only_while_submission_is_open(resident):
    process = ProcessFactory(state=State.REVIEW, voting_closes=None)
    ballot = BallotFactory(process=process)
    with pytest.raises(PermissionDenied):
        services.project_submit(
            actor=resident,
            process=process,
            ballot=ballot,
            title="T",
            description="D",
            estimated_cost=Decimal(1),
        )


def test_project_review_needs_a_reason_to_refuse_and_notifies_the_author(
    officer, resident, django_capture_on_commit_callbacks
):
    from civicportal.notifications.models import Event

    process = ProcessFactory(state=State.REVIEW, voting_closes=None)
    project = ProjectFactory(
        ballot=BallotFactory(process=process),
        feasibility="pending",
        reviewed_at=None,
        submitted_by=resident,
    )
    with pytest.raises(ValidationError, match="Say why"):
        services.project_review(actor=officer, project=project, feasibility="not_feasible")
    with django_capture_on_commit_callbacks():
        reviewed = services.project_review(
            actor=officer, project=project, feasibility="not_feasible", reason="Private land."
        )
    assert reviewed.reviewed_by == officer and reviewed.feasibility_reason == "Private land."
    assert Event.objects.filter(kind="budgeting.project_reviewed").count() == 1
