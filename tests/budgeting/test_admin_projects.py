"""The feasibility review queue in the admin: it saves through the project services
(``project_add``, ``project_update``, ``project_review``), which do every write."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from budgeting import services
from budgeting.models import BudgetProcess, Project
from civicportal.notifications.models import Event
from tests.accounts.factories import UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory

pytestmark = pytest.mark.django_db
State = BudgetProcess.State
REVIEWED = "budgeting.project_reviewed"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def waiting(resident):
    """A resident's project waiting for review, in a process under review."""
    process = ProcessFactory(state=State.REVIEW, voting_closes=None)
    return ProjectFactory(
        ballot=BallotFactory(process=process, budget=Decimal(10000)),
        title="Benches by the pond",
        estimated_cost=Decimal(3000),
        feasibility="pending",
        reviewed_at=None,
        submitted_by=resident,
    )


def _form_data(project: Project, **changes) -> dict:
    data = {
        "process": project.process_id,
        "ballot": project.ballot_id,
        "title": project.title,
        "description": project.description,
        "image_description": project.image_description,
        "estimated_cost": str(project.estimated_cost),
        "feasibility": project.feasibility,
        "feasibility_reason": project.feasibility_reason,
        "final_cost": "" if project.final_cost is None else str(project.final_cost),
    }
    data.update(changes)
    return data


def _change_url(project: Project) -> str:
    return reverse("admin:budgeting_project_change", args=[project.pk])


# --- The services ---------------------------------------------------------------------------


def test_project_update_saves_other_changes_then_reviews_and_notifies_the_submitter(
    officer, resident, waiting
):
    waiting.title = "Benches and a table by the pond"
    waiting.feasibility = "not_feasible"
    waiting.feasibility_reason = "The pond's bank is protected."

    reviewed = services.project_update(
        actor=officer, project=waiting, changed=["title", "feasibility", "feasibility_reason"]
    )

    stored = Project.objects.get(pk=waiting.pk)
    assert stored.title == "Benches and a table by the pond"
    assert (stored.feasibility, stored.feasibility_reason) == (
        "not_feasible",
        "The pond's bank is protected.",
    )
    assert stored.reviewed_by == officer and stored.reviewed_at == reviewed.reviewed_at
    event = Event.objects.get(kind=REVIEWED)
    assert event.context["params"]["project"] == "Benches and a table by the pond"
    assert set(event.deliveries.values_list("recipient", flat=True)) == {resident.pk}


def test_project_update_without_a_review_change_neither_reviews_nor_notifies(officer, waiting):
    waiting.description = "Three benches facing the water."

    services.project_update(actor=officer, project=waiting, changed=["description"])

    stored = Project.objects.get(pk=waiting.pk)
    assert stored.description == "Three benches facing the water."
    assert (stored.feasibility, stored.reviewed_by, stored.reviewed_at) == ("pending", None, None)
    assert not Event.objects.filter(kind=REVIEWED).exists()


def test_project_update_refused_by_the_review_leaves_the_other_changes_unsaved(officer, waiting):
    waiting.title = "Renamed"
    waiting.feasibility = "feasible"
    waiting.final_cost = Decimal(20000)  # more than the ballot's whole budget

    with pytest.raises(ValidationError, match="costs more than the whole budget"):
        services.project_update(
            actor=officer, project=waiting, changed=["title", "feasibility", "final_cost"]
        )

    stored = Project.objects.get(pk=waiting.pk)
    assert (stored.title, stored.feasibility, stored.final_cost) == (
        "Benches by the pond",
        "pending",
        None,
    )


def test_project_update_and_add_are_for_budget_staff_only(resident, waiting):
    waiting.title = "Mine now"
    with pytest.raises(PermissionDenied):
        services.project_update(actor=resident, project=waiting, changed=["title"])
    assert Project.objects.get(pk=waiting.pk).title == "Benches by the pond"
    with pytest.raises(PermissionDenied):
        services.project_add(
            actor=resident,
            project=Project(
                process=waiting.process,
                ballot=waiting.ballot,
                title="A fountain",
                estimated_cost=Decimal(100),
            ),
        )
    assert Project.objects.count() == 1


def test_project_add_records_the_officer_as_submitter_and_reviewer(officer, waiting):
    project = services.project_add(
        actor=officer,
        project=Project(
            process=waiting.process,
            ballot=waiting.ballot,
            title="Street trees",
            description="Ten lindens on Main Street.",
            estimated_cost=Decimal(2000),
            feasibility="feasible",
        ),
    )

    stored = Project.objects.get(pk=project.pk)
    assert stored.submitted_by == officer
    assert stored.reviewed_by == officer and stored.reviewed_at is not None


# --- The admin ------------------------------------------------------------------------------


def test_admin_review_with_other_changes_goes_through_the_review_service(
    client, officer, resident, waiting
):
    client.force_login(officer)
    response = client.post(
        _change_url(waiting),
        _form_data(
            waiting,
            title="Benches and a table by the pond",
            feasibility="feasible",
            final_cost="3500",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Project.objects.get(pk=waiting.pk)
    assert stored.title == "Benches and a table by the pond"
    assert (stored.feasibility, stored.final_cost) == ("feasible", Decimal(3500))
    assert stored.reviewed_by == officer and stored.reviewed_at is not None
    assert Event.objects.filter(kind=REVIEWED).count() == 1


def test_admin_adds_a_reviewed_project_with_the_officer_as_reviewer(client, officer, waiting):
    client.force_login(officer)
    project = Project(process=waiting.process, ballot=waiting.ballot, title="Street trees")
    response = client.post(
        reverse("admin:budgeting_project_add"),
        _form_data(project, estimated_cost="2000", feasibility="feasible"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Project.objects.get(title="Street trees")
    assert stored.submitted_by == officer and stored.reviewed_by == officer


def test_admin_says_why_a_review_is_refused_and_keeps_the_project(client, officer, waiting):
    """Voting opened: the reason is no frozen rule, so the form takes it, but the review
    service refuses any review; the officer reads why, and nothing changes."""
    project = ProjectFactory(
        ballot=BallotFactory(process=ProcessFactory(state=State.VOTING)),
        feasibility="not_feasible",
        feasibility_reason="Too dear.",
    )
    client.force_login(officer)

    response = client.post(
        _change_url(project),
        _form_data(project, title="Renamed", feasibility_reason="Far too dear."),
        follow=True,
    )

    assert response.status_code == 200
    assert "only before voting opens" in response.content.decode()
    stored = Project.objects.get(pk=project.pk)
    assert (stored.title, stored.feasibility_reason) == (project.title, "Too dear.")


def test_admin_mark_feasible_action_reviews_each_project(client, officer, waiting):
    other = ProjectFactory(ballot=waiting.ballot, feasibility="pending", reviewed_at=None)
    client.force_login(officer)

    response = client.post(
        reverse("admin:budgeting_project_changelist"),
        {"action": "mark_feasible", ACTION_CHECKBOX_NAME: [waiting.pk, other.pk]},
        follow=True,
    )

    assert "2 projects marked feasible." in response.content.decode()
    assert set(Project.objects.values_list("feasibility", flat=True)) == {"feasible"}
    assert set(Project.objects.values_list("reviewed_by", flat=True)) == {officer.pk}


def test_admin_refuses_a_resident(client, waiting):
    client.force_login(UserFactory(verified=True))
    response = client.post(_change_url(waiting), _form_data(waiting, title="Mine now"))
    assert response.status_code in (302, 403)
    assert Project.objects.get(pk=waiting.pk).title == "Benches by the pond"
