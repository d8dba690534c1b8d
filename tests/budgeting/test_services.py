"""Budgeting services on PostgreSQL: ballots, paper ballots, phases, frozen rules, results."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from budgeting import services
from budgeting.models import (
    Ballot,
    BallotSubmission,
    BudgetProcess,
    ProcessTransition,
    Project,
    TallyResult,
)
from budgeting.selectors import ballot_tally_input, conflict_list
from civicportal.accounts import roles
from civicportal.accounts.census import hash_identifier
from civicportal.accounts.models import ResidencyRequest
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory

pytestmark = pytest.mark.django_db
State = BudgetProcess.State


def knapsack(budget=10000, **kwargs):
    ballot = BallotFactory(kind=Ballot.Kind.KNAPSACK, budget=Decimal(budget), **kwargs)
    projects = [
        ProjectFactory(ballot=ballot, estimated_cost=Decimal(cost)) for cost in (6000, 3000, 2500)
    ]
    return ballot, projects


# --- Ballot validation per type --------------------------------------------------------------


def test_ballot_cast_stores_a_knapsack_ballot_within_budget(resident):
    ballot, (a, b, _c) = knapsack()
    submission = services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1, b.pk: 1})
    assert submission.counted and submission.revision == 1
    assert sorted(s.project_id for s in submission.selections.all()) == sorted([a.pk, b.pk])


def test_ballot_cast_rejects_over_budget(resident):
    ballot, (a, b, c) = knapsack()
    with pytest.raises(ValidationError, match="more than the budget") as error:
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1, b.pk: 1, c.pk: 1})
    assert error.value.code == "over_budget"
    assert "1,500" in error.value.messages[0]
    assert not BallotSubmission.objects.exists()


def test_ballot_cast_rejects_too_many_on_approval():
    voter = UserFactory(verified=True)
    ballot = BallotFactory(kind=Ballot.Kind.APPROVAL, max_choices=2)
    projects = ProjectFactory.create_batch(3, ballot=ballot)
    with pytest.raises(ValidationError, match="at most 2 projects; you chose 3"):
        services.ballot_cast(actor=voter, ballot=ballot, selections={p.pk: 1 for p in projects})


def test_ballot_cast_rejects_too_few_on_approval():
    voter = UserFactory(verified=True)
    ballot = BallotFactory(kind=Ballot.Kind.APPROVAL, max_choices=3, min_choices=2)
    project = ProjectFactory(ballot=ballot)
    ProjectFactory(ballot=ballot)
    with pytest.raises(ValidationError, match="at least 2 projects; you chose 1"):
        services.ballot_cast(actor=voter, ballot=ballot, selections={project.pk: 1})
    with pytest.raises(ValidationError, match="at least"):
        services.ballot_cast(actor=voter, ballot=ballot, selections={})


@pytest.mark.parametrize(
    "feasibility, message",
    [("not_feasible", "not feasible"), ("pending", "not been approved")],
)
def test_ballot_cast_rejects_a_project_not_on_the_ballot(resident, feasibility, message):
    ballot, (a, _b, _c) = knapsack()
    other = ProjectFactory(
        ballot=ballot,
        feasibility=feasibility,
        feasibility_reason="Too dear",
        reviewed_at=None if feasibility == "pending" else timezone.now(),
    )
    with pytest.raises(ValidationError, match=message):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1, other.pk: 1})


def test_ballot_cast_rejects_a_project_of_another_ballot(resident):
    ballot, (a, _b, _c) = knapsack()
    district = BallotFactory(process=ballot.process, area=AreaFactory(), kind=Ballot.Kind.KNAPSACK)
    foreign = ProjectFactory(ballot=district)
    with pytest.raises(ValidationError, match=r"is on the “.*” ballot"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1, foreign.pk: 1})
    with pytest.raises(ValidationError, match="no project number 999999"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={999999: 1})


def test_ballot_cast_rejects_the_ballot_of_another_district(resident):
    district = BallotFactory(area=AreaFactory(name="Eastgate", slug="eastgate"))
    project = ProjectFactory(ballot=district)
    with pytest.raises(ValidationError, match="for residents of Eastgate") as error:
        services.ballot_cast(actor=resident, ballot=district, selections={project.pk: 1})
    assert error.value.code == "wrong_district"


def test_ballot_cast_accepts_the_home_district_ballot(resident):
    district = BallotFactory(area=resident.home_area)
    project = ProjectFactory(ballot=district)
    assert services.ballot_cast(actor=resident, ballot=district, selections={project.pk: 1})


def test_cumulative_ballot_limits_total_and_per_project_points(resident):
    ballot = BallotFactory(kind=Ballot.Kind.CUMULATIVE, points_total=10, max_points_per_project=6)
    a, b = ProjectFactory.create_batch(2, ballot=ballot)
    with pytest.raises(ValidationError, match="gave 11 points, but you have 10"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 6, b.pk: 5})
    with pytest.raises(ValidationError, match="from 0 to 6"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 7})
    with pytest.raises(ValidationError, match="from 0 to 6"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: "two"})
    submission = services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 6, b.pk: 4})
    assert {s.project_id: s.points for s in submission.selections.all()} == {a.pk: 6, b.pk: 4}


def test_approval_ballot_refuses_points(resident):
    ballot = BallotFactory(kind=Ballot.Kind.APPROVAL, max_choices=2)
    project = ProjectFactory(ballot=ballot)
    with pytest.raises(ValidationError, match="either chosen or not"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={project.pk: 3})


# --- Who may vote, and when ------------------------------------------------------------------


def test_only_verified_residents_vote():
    ballot, (a, _b, _c) = knapsack()
    unverified = UserFactory()
    with pytest.raises(PermissionDenied, match="verified"):
        services.ballot_cast(actor=unverified, ballot=ballot, selections={a.pk: 1})
    inactive = UserFactory(verified=True, is_active=False)
    with pytest.raises(PermissionDenied):
        services.ballot_cast(actor=inactive, ballot=ballot, selections={a.pk: 1})
    assert not BallotSubmission.objects.exists()


def test_ballot_can_be_replaced_until_voting_closes(resident, officer):
    ballot, (a, b, c) = knapsack()
    first = services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1})
    second = services.ballot_cast(actor=resident, ballot=ballot, selections={b.pk: 1, c.pk: 1})
    assert first.pk == second.pk and second.revision == 2 and second.replaced_at
    assert BallotSubmission.objects.count() == 1
    assert sorted(s.project_id for s in second.selections.all()) == sorted([b.pk, c.pk])
    services.process_advance(actor=officer, process=ballot.process, to_state=State.CLOSED)
    with pytest.raises(ValidationError, match="not open") as error:
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1})
    assert error.value.code == "closed"
    assert sorted(s.project_id for s in second.selections.all()) == sorted([b.pk, c.pk])


def test_ballot_cast_refused_once_the_closing_time_passed_even_before_the_schedule_ran(resident):
    ballot, (a, _b, _c) = knapsack()
    BudgetProcess.objects.filter(pk=ballot.process_id).update(
        voting_closes=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="not open"):
        services.ballot_cast(actor=resident, ballot=ballot, selections={a.pk: 1})


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submits_by_one_voter_leave_one_ballot():
    voter = UserFactory(verified=True)
    ballot, (a, b, c) = knapsack()
    choices = [{a.pk: 1}, {b.pk: 1, c.pk: 1}]
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []

    def submit(i: int) -> None:
        try:
            barrier.wait()
            services.ballot_cast(actor=voter, ballot=ballot, selections=choices[i % 2])
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    submission = BallotSubmission.objects.get()
    assert submission.revision == 50
    assert submission.voter_id == voter.pk
    chosen = sorted(submission.selections.values_list("project_id", flat=True))
    assert chosen in (sorted([a.pk]), sorted([b.pk, c.pk]))
    assert len(ballot_tally_input(ballot=ballot).profile.ballots) == 1


# --- Paper ballots and de-duplication ------------------------------------------------------


def _verified_with_identifier(identifier: str, area=None):
    user = UserFactory(verified=True)
    if area is not None:
        user.home_area = area
        user.save(update_fields=["home_area"])
    ResidencyRequest.objects.create(
        user=user,
        area=user.home_area,
        identifier_hash=hash_identifier(identifier),
        status=ResidencyRequest.Status.APPROVED,
        reviewed_at=timezone.now(),
    )
    return user


@pytest.mark.parametrize("precedence", ["paper", "online"])
def test_online_and_paper_ballots_of_one_voter_count_once(officer, precedence):
    ballot, (a, b, _c) = knapsack()
    BudgetProcess.objects.filter(pk=ballot.process_id).update(paper_precedence=precedence)
    voter = _verified_with_identifier("120174-3389")
    online = services.ballot_cast(actor=voter, ballot=ballot, selections={a.pk: 1})
    paper = services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="1201743389", selections={b.pk: 1}
    )
    online.refresh_from_db()
    winner, loser = (paper, online) if precedence == "paper" else (online, paper)
    assert winner.counted and not loser.counted and loser.superseded_by_id == winner.pk
    assert list(conflict_list(process=ballot.process)) == [loser]
    counted = ballot_tally_input(ballot=ballot).profile.ballots
    assert len(counted) == 1
    assert counted[0].projects == ((b if precedence == "paper" else a).tally_id,)
    # Replacing the online ballot keeps the precedence.
    services.ballot_cast(actor=voter, ballot=ballot, selections={a.pk: 1, b.pk: 1})
    online.refresh_from_db()
    paper.refresh_from_db()
    assert (paper.counted, online.counted) == (precedence == "paper", precedence == "online")
    assert BallotSubmission.objects.filter(counted=True).count() == 1


def test_paper_ballot_entered_first_then_online_vote_is_deduplicated(officer):
    ballot, (a, b, _c) = knapsack()
    voter = _verified_with_identifier("AB-1234")
    paper = services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="ab 1234", selections={b.pk: 1}
    )
    online = services.ballot_cast(actor=voter, ballot=ballot, selections={a.pk: 1})
    paper.refresh_from_db()
    assert paper.counted and not online.counted  # the default precedence: paper
    assert online.voter_key == paper.voter_key


def test_second_paper_ballot_of_a_voter_is_refused(officer):
    ballot, (a, b, _c) = knapsack()
    services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="X1", selections={a.pk: 1}
    )
    with pytest.raises(ValidationError, match="already entered"):
        services.paper_ballot_enter(
            actor=officer, ballot=ballot, voter_identifier="x-1", selections={b.pk: 1}
        )
    assert BallotSubmission.objects.count() == 1


def test_paper_ballot_needs_staff_an_identifier_and_a_valid_ballot(officer, resident):
    ballot, (a, b, c) = knapsack()
    with pytest.raises(PermissionDenied):
        services.paper_ballot_enter(
            actor=resident, ballot=ballot, voter_identifier="1", selections={a.pk: 1}
        )
    with pytest.raises(ValidationError, match="identity number"):
        services.paper_ballot_enter(
            actor=officer, ballot=ballot, voter_identifier=" - ", selections={a.pk: 1}
        )
    with pytest.raises(ValidationError, match="more than the budget"):
        services.paper_ballot_enter(
            actor=officer,
            ballot=ballot,
            voter_identifier="7",
            selections={a.pk: 1, b.pk: 1, c.pk: 1},
        )
    assert not BallotSubmission.objects.exists()


def test_paper_ballot_refused_for_a_voter_not_on_the_imported_census(officer):
    from civicportal.accounts.models import CensusEntry, CensusImport

    ballot, (a, _b, _c) = knapsack()
    census = CensusImport.objects.create(file_name="census.csv", row_count=1)
    CensusEntry.objects.create(identifier_hash=hash_identifier("ON-LIST"), census_import=census)
    with pytest.raises(ValidationError, match="not on the census"):
        services.paper_ballot_enter(
            actor=officer, ballot=ballot, voter_identifier="OFF", selections={a.pk: 1}
        )
    assert services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="on-list", selections={a.pk: 1}
    ).counted


def test_database_keeps_one_online_ballot_per_voter(resident):
    from django.db import IntegrityError

    ballot, _projects = knapsack()
    BallotSubmission.objects.create(ballot=ballot, voter=resident, channel="online", revision=1)
    with pytest.raises(IntegrityError):
        BallotSubmission.objects.create(ballot=ballot, voter=resident, channel="online", revision=1)


# --- Phases and frozen rules ------------------------------------------------------------


def test_process_goes_through_its_phases_and_records_each_change(officer):
    process = ProcessFactory(state=State.DRAFT, voting_closes=None)
    ballot = BallotFactory(process=process)
    services.process_advance(actor=officer, process=process, to_state=State.SUBMISSION)
    project = ProjectFactory(ballot=ballot, feasibility="pending", reviewed_at=None)
    services.process_advance(actor=officer, process=process, to_state=State.REVIEW)
    with pytest.raises(ValidationError, match="1 project still waits"):
        services.process_advance(actor=officer, process=process, to_state=State.VOTING)
    services.project_review(actor=officer, project=project, feasibility="feasible")
    services.process_advance(actor=officer, process=process, to_state=State.VOTING)
    process.refresh_from_db()
    assert process.state == State.VOTING and process.rules_frozen_at and process.voting_opens
    services.process_advance(actor=officer, process=process, to_state=State.CLOSED)
    assert list(
        ProcessTransition.objects.filter(process=process).values_list("to_state", flat=True)
    ) == ["submission", "review", "voting", "closed"]
    assert {t.actor_id for t in ProcessTransition.objects.all()} == {officer.pk}


def test_process_refuses_a_skipped_or_backward_phase(officer):
    process = ProcessFactory(state=State.REVIEW, voting_closes=None)
    with pytest.raises(ValidationError, match="cannot move to “Results published”"):
        services.process_advance(actor=officer, process=process, to_state=State.RESULTS)
    with pytest.raises(ValidationError, match="cannot move"):
        services.process_advance(actor=officer, process=process, to_state=State.SUBMISSION)


def test_only_budget_staff_change_phases(resident):
    process = ProcessFactory(state=State.DRAFT)
    BallotFactory(process=process)
    moderator = StaffFactory(role=roles.MODERATOR)
    for actor in (resident, moderator):
        with pytest.raises(PermissionDenied):
            services.process_advance(actor=actor, process=process, to_state=State.SUBMISSION)


def test_schedule_moves_processes_on_when_dates_pass():
    now = timezone.now()
    process = ProcessFactory(
        state=State.DRAFT,
        submission_opens=now - timedelta(days=2),
        review_opens=now - timedelta(days=1),
        voting_opens=now + timedelta(days=1),
        voting_closes=now + timedelta(days=5),
    )
    BallotFactory(process=process)
    moved = services.processes_advance_due(now=now)
    assert moved == [(process.pk, "submission"), (process.pk, "review")]
    assert services.processes_advance_due(now=now) == []  # safe to run twice
    process.refresh_from_db()
    assert process.state == State.REVIEW
    assert ProcessTransition.objects.filter(process=process, actor=None).count() == 2


def test_voting_rules_are_frozen_once_voting_opens(officer):
    ballot, (project, _b, _c) = knapsack()
    process = ballot.process
    ballot.budget = Decimal(20000)
    with pytest.raises(ValidationError, match="frozen since voting opened"):
        ballot.full_clean()
    process.tally_rule = "greedy"
    with pytest.raises(ValidationError, match="counting rule"):
        process.full_clean()
    project.final_cost = Decimal(1)
    with pytest.raises(ValidationError, match="frozen"):
        project.full_clean()
    with pytest.raises(PermissionDenied):
        services.project_review(
            actor=officer, project=project, feasibility="not_feasible", reason="x"
        )
    with pytest.raises(ValidationError, match="frozen"):
        BallotFactory.build(process=process, area=AreaFactory()).full_clean()


def test_rules_can_change_before_voting_opens():
    ballot = BallotFactory(process=ProcessFactory(state=State.REVIEW, voting_closes=None))
    ballot.budget = Decimal(20000)
    ballot.full_clean()


# --- Projects -------------------------------------------------------------------------------


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


# --- Results ---------------------------------------------------------------------------


def _closed_with_votes(officer):
    ballot, (a, b, c) = knapsack()
    voters = [UserFactory(verified=True) for _ in range(3)]
    services.ballot_cast(actor=voters[0], ballot=ballot, selections={a.pk: 1, b.pk: 1})
    services.ballot_cast(actor=voters[1], ballot=ballot, selections={a.pk: 1})
    services.ballot_cast(actor=voters[2], ballot=ballot, selections={b.pk: 1, c.pk: 1})
    services.process_advance(actor=officer, process=ballot.process, to_state=State.CLOSED)
    return ballot, (a, b, c)


def test_results_are_stored_once_with_the_input_checksum(officer):
    ballot, (a, b, _c) = _closed_with_votes(officer)
    stored = services.results_compute(actor=officer, process=ballot.process)
    assert {t.rule for t in stored} == {"greedy", "mes", "mes-add1"}
    checksum = ballot_tally_input(ballot=ballot).checksum
    assert {t.checksum for t in stored} == {checksum}
    greedy = TallyResult.objects.get(ballot=ballot, rule="greedy")
    funded = set(greedy.rows.filter(selected=True).values_list("project_id", flat=True))
    assert funded == {a.pk, b.pk}  # a: 2 votes, b: 2 votes, then c does not fit (6000+3000+2500)
    assert all(row.reason for row in greedy.rows.all())
    with pytest.raises(ValidationError, match="already computed") as error:
        services.results_compute(actor=officer, process=ballot.process)
    assert error.value.code == "unchanged"
    assert TallyResult.objects.count() == 3


def test_publishing_refuses_results_of_changed_ballots(officer):
    ballot, (a, _b, _c) = _closed_with_votes(officer)
    services.results_compute(actor=officer, process=ballot.process)
    services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="P-1", selections={a.pk: 1}
    )
    with pytest.raises(ValidationError, match="changed after the results were computed"):
        services.process_advance(actor=officer, process=ballot.process, to_state=State.RESULTS)
    services.results_compute(actor=officer, process=ballot.process)
    assert TallyResult.objects.get(ballot=ballot, rule="mes").voter_count == 4
    services.process_advance(actor=officer, process=ballot.process, to_state=State.RESULTS)
    ballot.process.refresh_from_db()
    assert ballot.process.results_published_at


def test_results_need_voting_closed(officer):
    ballot, _projects = knapsack()
    with pytest.raises(PermissionDenied):
        services.results_compute(actor=officer, process=ballot.process)
    with pytest.raises(ValidationError, match="Compute the results before publishing"):
        BudgetProcess.objects.filter(pk=ballot.process_id).update(state=State.CLOSED)
        services.process_advance(actor=officer, process=ballot.process, to_state=State.RESULTS)
