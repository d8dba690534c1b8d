"""A resident's budgeting data: in their download, and what deleting the account leaves.

Residents and staff act through the services, as they do on the site; the account goes
through the platform's own deletion (``account_delete``), which runs every app's part.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from budgeting import services
from budgeting.models import (
    BallotSubmission,
    BudgetProcess,
    ProcessTransition,
    Project,
    TallyResult,
)
from budgeting.selectors import ballot_tally_input, results_for_process, results_summary
from budgeting.tallies import RULES, tally
from civicportal.accounts.census import hash_identifier
from civicportal.accounts.models import ResidencyRequest
from civicportal.core.services import account_delete
from civicportal.kernel import personal_data
from civicportal.kernel.selectors import personal_data_export
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory

pytestmark = pytest.mark.django_db
State = BudgetProcess.State
Channel = BallotSubmission.Channel


def _resident(identifier: str, name: str):
    """A resident verified with an identity number (their paper ballots' key)."""
    user = UserFactory(verified=True, display_name=name)
    ResidencyRequest.objects.create(
        user=user,
        area=user.home_area,
        identifier_hash=hash_identifier(identifier),
        status=ResidencyRequest.Status.APPROVED,
        reviewed_at=timezone.now(),
    )
    return user


def _photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="JPEG")
    return SimpleUploadedFile("bench.jpg", out.getvalue(), content_type="image/jpeg")


TEXT_FIELDS = (models.CharField, models.TextField, models.FileField, models.JSONField)


def _traces(user_id: int, *texts: str) -> list[str]:
    """Columns of the budgeting tables that still point to the user or hold their words.

    Every foreign key to the user model is searched for the id; every text, file and JSON
    column for each of ``texts`` (their email address and name).
    """
    user_model = get_user_model()
    found = []
    for model in apps.get_app_config("budgeting").get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                lookups = [models.Q(**{field.attname: user_id})]
            elif isinstance(field, TEXT_FIELDS):
                lookups = [models.Q(**{f"{field.name}__icontains": text}) for text in texts]
            else:
                continue
            if any(model.objects.filter(lookup).exists() for lookup in lookups):
                found.append(f"{model._meta.label}.{field.name}")
    return found


@pytest.fixture
def pat(db):
    return _resident("120174-3389", "Pat Sigurdardottir")


@pytest.fixture
def published(officer, pat):
    """A whole round: Pat puts a project forward, it is reviewed, Pat and two neighbours
    vote (Pat changes their mind once), the votes are counted and the results published."""
    process = ProcessFactory(state=State.SUBMISSION, title="Budget 2027")
    ballot = BallotFactory(process=process, name="Whole town", budget=Decimal(10000))
    council = [
        ProjectFactory(ballot=ballot, title="Library roof", estimated_cost=Decimal(6000)),
        ProjectFactory(ballot=ballot, title="Skate park", estimated_cost=Decimal(3000)),
    ]
    theirs = services.project_submit(
        actor=pat,
        process=process,
        ballot=ballot,
        title="Benches on Mill Lane",
        description="Three benches where the lane meets the pond.",
        estimated_cost=Decimal(2500),
        image=_photo(),
        image_description="A red bench",
    )
    services.process_advance(actor=officer, process=process, to_state=State.REVIEW)
    services.project_review(
        actor=officer, project=theirs, feasibility="feasible", final_cost=Decimal(2000)
    )
    services.process_advance(actor=officer, process=process, to_state=State.VOTING)
    services.ballot_cast(actor=pat, ballot=ballot, selections={theirs.pk: 1})
    services.ballot_cast(actor=pat, ballot=ballot, selections={theirs.pk: 1, council[0].pk: 1})
    for choices in ({council[0].pk: 1, council[1].pk: 1}, {council[1].pk: 1, theirs.pk: 1}):
        services.ballot_cast(actor=UserFactory(verified=True), ballot=ballot, selections=choices)
    services.process_advance(actor=officer, process=process, to_state=State.CLOSED)
    services.results_compute(actor=officer, process=process)
    services.process_advance(actor=officer, process=process, to_state=State.RESULTS)
    process.refresh_from_db()
    return {"process": process, "ballot": ballot, "project": theirs, "council": council}


def _published_results(process) -> dict:
    """What the results page says: every rule's rows per ballot, and the summary."""
    results = results_for_process(process=process)
    summary = results_summary(process=process, results=results)
    return {
        "rows": {
            (result.ballot.pk, rule): sorted(
                (row.project_id, row.selected, row.votes, row.position) for row in stored.rows.all()
            )
            for result in results
            for rule, stored in result.by_rule.items()
        },
        "turnout": {result.ballot.pk: result.turnout for result in results},
        "summary": (summary.funded, summary.budget_used, summary.voters),
    }


def _recount(ballot) -> tuple[str, dict]:
    """Count the ballot again from the register as it is now."""
    tally_input = ballot_tally_input(ballot=ballot)
    outcomes = {
        rule: {
            project: (outcome.funded, outcome.votes)
            for project, outcome in tally(
                tally_input.instance, tally_input.profile, rule
            ).outcomes.items()
        }
        for rule in RULES
    }
    return tally_input.checksum, outcomes


# --- Export ----------------------------------------------------------------------------------


def test_export_holds_the_residents_project_and_ballot_with_its_choices(published, pat):
    data = personal_data_export(user=pat)
    json.dumps(data, cls=DjangoJSONEncoder)  # the download is this, as JSON
    part = data["parts"]["budgeting"]

    [project] = part["projects"]
    assert project["title"] == "Benches on Mill Lane"
    assert project["description"] == "Three benches where the lane meets the pond."
    assert (project["process"], project["ballot"]) == ("Budget 2027", "Whole town")
    assert (project["estimated_cost"], project["final_cost"]) == ("2500.00", "2000.00")
    assert project["feasibility"] == "feasible" and project["reviewed_at"]
    assert project["image"] == published["project"].image.name

    [ballot] = part["ballots"]
    assert (ballot["process"], ballot["ballot"], ballot["channel"]) == (
        "Budget 2027",
        "Whole town",
        "online",
    )
    assert ballot["counted"] is True and ballot["counted_instead"] is None
    assert ballot["times_changed"] == 1 and ballot["last_changed_at"] > ballot["first_cast_at"]
    assert sorted((c["project"], c["points"], c["cost"]) for c in ballot["choices"]) == [
        ("Benches on Mill Lane", 1, "2000.00"),
        ("Library roof", 1, "6000.00"),
    ]
    assert part["staff_work"] == {
        "paper_ballots_entered": [],
        "projects_reviewed": [],
        "phase_changes": [],
        "results_computed": [],
    }


def test_export_holds_nothing_of_other_voters(published):
    part = personal_data_export(user=UserFactory(verified=True))["parts"]["budgeting"]
    assert part["projects"] == [] and part["ballots"] == []


def test_export_finds_the_residents_paper_ballot_through_their_identifier(officer, pat):
    ballot = BallotFactory(process=ProcessFactory(paper_precedence="paper"))
    a, b = ProjectFactory(ballot=ballot, title="Ramp"), ProjectFactory(ballot=ballot, title="Path")
    services.ballot_cast(actor=pat, ballot=ballot, selections={a.pk: 1})
    paper = services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="1201743389", selections={b.pk: 1}
    )
    # Someone else's paper ballot is not Pat's.
    services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="0101011234", selections={a.pk: 1}
    )

    ballots = personal_data_export(user=pat)["parts"]["budgeting"]["ballots"]

    online, on_paper = sorted(ballots, key=lambda entry: entry["channel"])
    assert online["channel"] == "online" and online["counted"] is False
    assert online["counted_instead"] == {"id": paper.pk, "channel": "paper"}
    assert on_paper["id"] == paper.pk and on_paper["counted"] is True
    assert [c["project"] for c in on_paper["choices"]] == ["Path"]


def test_export_lists_what_staff_did_but_not_the_paper_voters_choices(published, officer):
    ballot = BallotFactory(process=ProcessFactory(), name="Harbour")
    project = ProjectFactory(ballot=ballot, title="Pier lights")
    paper = services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="5555", selections={project.pk: 1}
    )

    work = personal_data_export(user=officer)["parts"]["budgeting"]["staff_work"]

    assert work["paper_ballots_entered"] == [
        {
            "id": paper.pk,
            "process": ballot.process.title,
            "ballot": "Harbour",
            "entered_at": paper.submitted_at,
        }
    ]
    assert [r["project"] for r in work["projects_reviewed"]] == ["Benches on Mill Lane"]
    assert [(c["from"], c["to"]) for c in work["phase_changes"]] == [
        ("submission", "review"),
        ("review", "voting"),
        ("voting", "closed"),
        ("closed", "results"),
    ]
    assert sorted(t["rule"] for t in work["results_computed"]) == sorted(RULES)
    assert "Pier lights" not in json.dumps(work, cls=DjangoJSONEncoder)


# --- Deletion --------------------------------------------------------------------------------


def test_deleting_the_account_keeps_the_published_results_and_leaves_nothing_of_the_resident(
    client, published, pat, django_capture_on_commit_callbacks
):
    process, ballot, project = published["process"], published["ballot"], published["project"]
    photo = project.image.name
    user_id, email, name = pat.pk, pat.email, pat.display_name
    assert default_storage.exists(photo)
    # The search below does find the resident while they have an account.
    assert {"budgeting.BallotSubmission.voter", "budgeting.Project.submitted_by"} <= set(
        _traces(user_id, email, name)
    )
    before = _published_results(process)
    checksum, recount = _recount(ballot)
    stored = set(TallyResult.objects.filter(ballot=ballot).values_list("checksum", flat=True))
    assert stored == {checksum}
    submissions = BallotSubmission.objects.count()

    client.force_login(pat)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:account-delete"), {"confirmation": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=user_id).exists()
    # The published tally stands: same rows, same turnout, and a recount of the register as
    # it is now gives the same input (checksum) and the same outcome under every rule.
    assert _published_results(process) == before
    assert _recount(ballot) == (checksum, recount)
    # The ballot is still there and counted, linked to no one.
    assert BallotSubmission.objects.count() == submissions
    detached = BallotSubmission.objects.get(voter=None)
    assert detached.counted and detached.channel == Channel.ONLINE
    assert sorted(detached.selections.values_list("project__title", flat=True)) == [
        "Benches on Mill Lane",
        "Library roof",
    ]
    # Their reviewed project stays on the ballot, as by a deleted resident, without the photo.
    project.refresh_from_db()
    assert project.submitted_by is None and project.submitter_deleted
    assert project.title == "Benches on Mill Lane" and project.feasibility == "feasible"
    assert not project.image and project.image_description == ""
    page = client.get(
        reverse("budgeting:project-detail", kwargs={"slug": process.slug, "pk": project.pk})
    ).content.decode()
    assert "Deleted resident" in page and "The council" not in page
    council = client.get(
        reverse(
            "budgeting:project-detail",
            kwargs={"slug": process.slug, "pk": published["council"][0].pk},
        )
    ).content.decode()
    assert "The council" in council
    # Nothing of the resident remains in the module's tables, nor their photo on disk.
    assert _traces(user_id, email, name) == []
    assert not default_storage.exists(photo)
    assert not LogEntry.objects.filter(actor_email=email).exists()


def test_the_deletion_page_tells_what_happens_to_budget_projects(client, pat):
    client.force_login(pat)
    page = client.get(reverse("core:account-delete")).content.decode()
    assert "those still waiting for review are deleted" in page
    assert "Your votes keep counting, but are no longer linked to you." in page


def test_the_budgeting_part_alone_unlinks_everything_before_the_account_row_goes(published, pat):
    part = next(p for p in personal_data.parts() if p.name == "budgeting")
    part.erase(pat)
    # The account still exists: nothing of it is left for the foreign keys to catch.
    assert get_user_model().objects.filter(pk=pat.pk).exists()
    assert _traces(pat.pk, pat.email, pat.display_name) == []


def test_a_project_never_reviewed_goes_with_its_photo_and_history_a_refused_one_stays(
    officer, pat, django_capture_on_commit_callbacks
):
    process = ProcessFactory(state=State.SUBMISSION, voting_closes=None)
    ballot = BallotFactory(process=process)

    def submit(title: str) -> Project:
        return services.project_submit(
            actor=pat,
            process=process,
            ballot=ballot,
            title=title,
            description="Near the school.",
            estimated_cost=Decimal(900),
            image=_photo(),
            image_description="A red square",
        )

    waiting, refused = submit("Crossing"), submit("Fountain")
    services.process_advance(actor=officer, process=process, to_state=State.REVIEW)
    services.project_review(
        actor=officer, project=refused, feasibility="not_feasible", reason="No water main."
    )
    photos = [waiting.image.name, refused.image.name]
    assert LogEntry.objects.get_for_object(waiting).exists()

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=pat, confirmation=DEFAULT_PASSWORD)

    assert not Project.objects.filter(pk=waiting.pk).exists()
    assert not LogEntry.objects.get_for_object(waiting).exists()  # nor a deletion entry
    refused.refresh_from_db()
    assert refused.submitter_deleted and refused.submitted_by is None
    assert (refused.feasibility, refused.feasibility_reason) == ("not_feasible", "No water main.")
    assert not refused.image
    assert not any(default_storage.exists(photo) for photo in photos)


def test_a_deletion_that_fails_keeps_the_photos(pat, django_capture_on_commit_callbacks):
    process = ProcessFactory(state=State.SUBMISSION, voting_closes=None)
    project = services.project_submit(
        actor=pat,
        process=process,
        ballot=BallotFactory(process=process),
        title="Crossing",
        description="Near the school.",
        estimated_cost=Decimal(900),
        image=_photo(),
        image_description="A red square",
    )

    def failing_eraser(user):
        raise RuntimeError("a later app's eraser failed")

    personal_data.register("failing", export=lambda user: {}, erase=failing_eraser)
    try:
        # The eraser's file deletions wait for a commit that never comes.
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
            account_delete(user=pat, confirmation=DEFAULT_PASSWORD)
    finally:
        personal_data.unregister("failing")
    project.refresh_from_db()
    assert project.submitted_by == pat and default_storage.exists(project.image.name)


def test_a_ballot_detached_while_voting_is_open_still_counts_once_for_that_person(officer):
    ballot = BallotFactory(process=ProcessFactory())
    a, b = ProjectFactory(ballot=ballot), ProjectFactory(ballot=ballot)
    leaving = _resident("0707071234", "Kim Leaving")
    services.ballot_cast(actor=leaving, ballot=ballot, selections={a.pk: 1})
    checksum = ballot_tally_input(ballot=ballot).checksum

    account_delete(user=leaving, confirmation=DEFAULT_PASSWORD)
    assert ballot_tally_input(ballot=ballot).checksum == checksum

    # The same person on a new account verified with the same identity number: their first
    # ballot is the one that counts (the register keeps the identifier's hash, not the
    # account).
    returning = _resident("0707071234", "Kim Returning")
    again = services.ballot_cast(actor=returning, ballot=ballot, selections={b.pk: 1})
    assert not again.counted and again.superseded_by.voter is None
    assert ballot_tally_input(ballot=ballot).checksum == checksum
    # On paper too, one of their ballots counts (this process lets the paper one stand).
    services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="0707071234", selections={b.pk: 1}
    )
    counted = BallotSubmission.objects.filter(ballot=ballot, counted=True)
    assert [s.channel for s in counted] == [Channel.PAPER]
    assert len(ballot_tally_input(ballot=ballot).profile.ballots) == 1


def test_one_ballot_per_account_still_holds_beside_detached_ballots():
    ballot = BallotFactory(process=ProcessFactory())
    project = ProjectFactory(ballot=ballot)
    for leaving in (UserFactory(verified=True), UserFactory(verified=True)):
        services.ballot_cast(actor=leaving, ballot=ballot, selections={project.pk: 1})
        account_delete(user=leaving, confirmation=DEFAULT_PASSWORD)
    # Two ballots of deleted accounts live side by side (NULL voters are not one voter)...
    assert BallotSubmission.objects.filter(ballot=ballot, voter=None).count() == 2
    # ...and an account still cannot hold two ballots on one ballot paper.
    staying = UserFactory(verified=True)
    services.ballot_cast(actor=staying, ballot=ballot, selections={project.pk: 1})
    with pytest.raises(IntegrityError), transaction.atomic():
        BallotSubmission.objects.create(
            ballot=ballot, voter=staying, channel=Channel.ONLINE, revision=1
        )


def test_deleting_a_staff_account_keeps_their_work_without_their_name(published, officer):
    officer.display_name = "Dagny Quillfeather"  # a name no project or ballot carries
    officer.save(update_fields=["display_name"])
    ballot = BallotFactory(process=ProcessFactory())
    project = ProjectFactory(ballot=ballot, title="Pier lights")
    paper = services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="5555", selections={project.pk: 1}
    )
    user_id, email, name = officer.pk, officer.email, officer.display_name
    assert "budgeting.BallotSubmission.entered_by" in _traces(user_id, email, name)
    transitions = ProcessTransition.objects.filter(actor=officer).count()

    account_delete(user=officer, confirmation=DEFAULT_PASSWORD)

    paper.refresh_from_db()
    assert paper.entered_by is None and paper.counted
    assert list(paper.selections.values_list("project", flat=True)) == [project.pk]
    assert ProcessTransition.objects.filter(actor=None).count() == transitions == 4
    assert TallyResult.objects.filter(computed_by=None).count() == len(RULES)
    reviewed = Project.objects.get(pk=published["project"].pk)
    assert reviewed.reviewed_by is None and reviewed.reviewed_at is not None
    assert _traces(user_id, email, name) == []
