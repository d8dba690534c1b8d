"""Pabulib files in and out of the database, by service and by command."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from budgeting import pabulib, services
from budgeting.models import Ballot, BallotSubmission, BudgetProcess, Project, TallyResult
from budgeting.tallies import tally
from tests.accounts.factories import UserFactory
from tests.budgeting.conftest import SMALL_FILES, expected, pb_file
from tests.budgeting.factories import BallotFactory, ProjectFactory

pytestmark = pytest.mark.django_db

BROKEN = """META
key;value
num_projects;2
num_votes;2
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
1;40;Park
2;sixty;Bench
VOTES
voter_id;vote
a;1
b;2
"""


def _without_voter_ids(profile: pabulib.Profile) -> list:
    return [(b.projects, b.points, b.extra) for b in profile.ballots]


@pytest.mark.parametrize("stem", SMALL_FILES)
def test_import_then_export_gives_the_same_instance_and_profile(stem):
    path = pb_file(stem)
    instance, profile = pabulib.parse_file(path)
    process = services.pabulib_import(actor=None, source=path)
    assert process.state == BudgetProcess.State.CLOSED and process.rules_frozen
    assert Project.objects.filter(process=process).count() == len(instance.projects)
    assert BallotSubmission.objects.filter(ballot__process=process).count() == len(profile.ballots)

    again_instance, again_profile = pabulib.parse(services.pabulib_export(process=process))
    assert again_instance == instance
    assert again_profile.vote_type == profile.vote_type
    assert again_profile.vote_columns == profile.vote_columns
    assert _without_voter_ids(again_profile) == _without_voter_ids(profile)
    # Anonymised: voters are numbered in order, whatever the file called them.
    assert [b.voter_id for b in again_profile.ballots] == [
        str(i) for i in range(1, len(profile.ballots) + 1)
    ]


@pytest.mark.parametrize("stem", SMALL_FILES)
def test_imported_process_counts_like_the_reference(stem):
    process = services.pabulib_import(actor=None, source=pb_file(stem))
    services.results_compute(actor=None, process=process)
    reference = expected(stem)
    ballot = process.ballots.get()
    for rule in ("greedy", "mes", "mes-add1"):
        stored = TallyResult.objects.get(ballot=ballot, rule=rule)
        funded = set(
            stored.rows.filter(selected=True).values_list("project__pabulib_id", flat=True)
        )
        assert funded == set(reference[rule]["selected"]), rule


def test_malformed_import_names_the_line_and_imports_nothing():
    with pytest.raises(ValidationError, match="Line 10: cost 'sixty' of project '2'"):
        services.pabulib_import(actor=None, source=BROKEN)
    assert not BudgetProcess.objects.exists()
    assert not Project.objects.exists()


def test_import_is_all_or_nothing_when_a_late_check_fails():
    text = BROKEN.replace("sixty", "60").replace("vote_type;approval", "vote_type;ordinal")
    with pytest.raises(ValidationError, match="cannot be imported"):
        services.pabulib_import(actor=None, source=text)
    assert not BudgetProcess.objects.exists()


class _Recorded:
    """A Progress (civicportal.kernel.progress) that keeps what it was told."""

    def __init__(self) -> None:
        self.totals: list[int] = []
        self.done = 0
        self.messages: list[str] = []

    def total(self, n: int) -> None:
        self.totals.append(n)

    def advance(self, n: int = 1, message: str | None = None) -> None:
        self.done += n
        if message is not None:
            self.messages.append(message)


def test_import_reports_progress_up_to_the_number_of_ballots():
    progress = _Recorded()
    services.pabulib_import(
        actor=None, source=pb_file("poland_czestochowa_2020_grabowka"), progress=progress
    )
    assert progress.totals == [201] and progress.done == 201
    assert "Storing the ballots" in progress.messages


def test_export_refuses_a_process_still_voting():
    ballot = BallotFactory()
    with pytest.raises(ValidationError, match="voting has closed"):
        services.pabulib_export(process=ballot.process)


def test_native_process_exports_online_and_paper_ballots_anonymised(officer):
    ballot = BallotFactory(kind=Ballot.Kind.KNAPSACK, budget=Decimal(10000))
    a = ProjectFactory(ballot=ballot, estimated_cost=Decimal(4000))
    b = ProjectFactory(ballot=ballot, estimated_cost=Decimal(5000))
    voter = UserFactory(verified=True)
    services.ballot_cast(actor=voter, ballot=ballot, selections={a.pk: 1, b.pk: 1})
    services.paper_ballot_enter(
        actor=officer, ballot=ballot, voter_identifier="Z9", selections={b.pk: 1}
    )
    services.process_advance(actor=officer, process=ballot.process, to_state="closed")
    text = services.pabulib_export(process=ballot.process)
    assert voter.email not in text and "Z9" not in text
    instance, profile = pabulib.parse(text)
    assert instance.meta["vote_type"] == "approval" and instance.meta["max_sum_cost"] == "10000"
    assert [(b_.projects, b_.extra["voting_method"]) for b_ in profile.ballots] == [
        ((str(a.pk), str(b.pk)), "internet"),
        ((str(b.pk),), "paper"),
    ]
    assert tally(instance, profile, "greedy").selected == [str(b.pk), str(a.pk)]
    # ... and the file imports back as a knapsack ballot.
    again = services.pabulib_import(actor=None, source=text)
    assert again.ballots.get().kind == Ballot.Kind.KNAPSACK


def test_pabulib_command_imports_with_progress_and_exports(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "pabulib",
        "import",
        str(pb_file("poland_czestochowa_2020_grabowka")),
        stdout=out,
        stderr=err,
    )
    process_id = int(out.getvalue().strip())
    assert "201/201 ballots" in err.getvalue()
    target = tmp_path / "out.pb"
    out = io.StringIO()
    call_command("pabulib", "export", str(process_id), "-o", str(target), stdout=out)
    assert out.getvalue().strip() == str(target)
    original = pabulib.parse_file(pb_file("poland_czestochowa_2020_grabowka"))
    assert pabulib.parse_file(target)[0] == original[0]


def test_pabulib_command_reports_a_malformed_file_and_imports_nothing(tmp_path):
    path = tmp_path / "broken.pb"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(CommandError, match=r"Line 10: .*Nothing was imported"):
        call_command("pabulib", "import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not BudgetProcess.objects.exists()


def test_pabulib_command_export_errors_are_clear(tmp_path):
    with pytest.raises(CommandError, match="no budget process with id 424242"):
        call_command("pabulib", "export", "424242", "-o", str(tmp_path / "x.pb"))
    ballot = BallotFactory()
    with pytest.raises(CommandError, match="voting has closed"):
        call_command("pabulib", "export", str(ballot.process_id), "-o", str(tmp_path / "x.pb"))
