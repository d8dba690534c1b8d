"""Reads of participatory budgeting: querysets with their joins done, and the tally input."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from budgeting import pabulib
from budgeting.models import (
    Ballot,
    BallotSelection,
    BallotSubmission,
    BudgetProcess,
    Project,
    TallyProjectResult,
    TallyResult,
)
from budgeting.rules import is_budget_staff


def exact_number(value: Decimal | int) -> int | Decimal:
    """A money or points value as the tallies and Pabulib files want it: int when whole."""
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return value


# --- Processes and projects ------------------------------------------------------------------


def process_list(*, viewer) -> QuerySet[BudgetProcess]:
    """Processes the viewer may see (drafts only for budget staff), newest first."""
    processes = BudgetProcess.objects.annotate(
        project_count=Count("projects", filter=Q(projects__feasibility="feasible"), distinct=True)
    ).order_by("-created_at", "-id")
    if not is_budget_staff(viewer):
        processes = processes.exclude(state=BudgetProcess.State.DRAFT)
    return processes


def process_get(*, viewer, slug: str) -> BudgetProcess:
    process = (
        BudgetProcess.objects.filter(slug=slug)
        .prefetch_related(
            Prefetch(
                "ballots", queryset=Ballot.objects.select_related("area").order_by("order", "id")
            )
        )
        .first()
    )
    if process is None or not viewer.has_perm("budgeting.view_process", process):
        raise Http404("No such budget process.")
    return process


def process_open_list() -> QuerySet[BudgetProcess]:
    """Processes residents can take part in now, for the home page."""
    return BudgetProcess.objects.filter(
        state__in=[
            BudgetProcess.State.SUBMISSION,
            BudgetProcess.State.VOTING,
            BudgetProcess.State.RESULTS,
        ]
    ).order_by("-created_at")


def project_list(
    *,
    viewer,
    process: BudgetProcess,
    ballot: Ballot | None = None,
    feasibility: str | None = None,
) -> QuerySet[Project]:
    projects = Project.objects.filter(process=process).select_related(
        "ballot", "ballot__area", "submitted_by", "process"
    )
    if ballot is not None:
        projects = projects.filter(ballot=ballot)
    if feasibility:
        projects = projects.filter(feasibility=feasibility)
    return projects.order_by("ballot__order", "ballot_id", "title", "id")


def project_get(*, viewer, process: BudgetProcess, pk: int) -> Project:
    project = (
        Project.objects.filter(process=process, pk=pk)
        .select_related("ballot", "ballot__area", "submitted_by", "process", "reviewed_by")
        .first()
    )
    if project is None or not viewer.has_perm("budgeting.view_project", project):
        raise Http404("No such project.")
    return project


def ballot_get(*, process: BudgetProcess, ballot_id: int) -> Ballot:
    ballot = Ballot.objects.filter(process=process, pk=ballot_id).select_related("area").first()
    if ballot is None:
        raise Http404("No such ballot.")
    ballot.process = process
    return ballot


def ballots_for_voter(*, process: BudgetProcess, voter) -> list[Ballot]:
    """The ballots ``voter`` may fill in: the city-wide one and their home district's."""
    return [
        ballot
        for ballot in process.ballots.all()
        if ballot.area_id is None or ballot.area_id == getattr(voter, "home_area_id", None)
    ]


def voter_order_seed(*, ballot: Ballot, voter) -> int:
    """A per-voter seed: the same voter always sees the same order, others another one."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"ballot-order:{ballot.pk}:{voter.pk}".encode(), "sha256"
    ).digest()
    return int.from_bytes(digest[:8], "big")


def ballot_projects_for_voter(*, ballot: Ballot, voter) -> list[Project]:
    """The feasible projects of ``ballot`` in the voter's own random order (first-mover bias)."""
    projects = list(
        Project.objects.filter(ballot=ballot, feasibility=Project.Feasibility.FEASIBLE)
        .select_related("ballot__area")
        .order_by("id")
    )
    random.Random(voter_order_seed(ballot=ballot, voter=voter)).shuffle(projects)
    return projects


def submission_get(*, ballot: Ballot, voter) -> BallotSubmission | None:
    if not getattr(voter, "is_authenticated", False):
        return None
    return (
        BallotSubmission.objects.filter(ballot=ballot, voter=voter)
        .prefetch_related(
            Prefetch("selections", queryset=BallotSelection.objects.select_related("project"))
        )
        .select_related("superseded_by")
        .first()
    )


def submission_list_for_voter(*, process: BudgetProcess, voter) -> QuerySet[BallotSubmission]:
    return (
        BallotSubmission.objects.filter(ballot__process=process, voter=voter)
        .select_related("ballot", "ballot__area", "superseded_by")
        .prefetch_related(
            Prefetch("selections", queryset=BallotSelection.objects.select_related("project"))
        )
    )


def conflict_list(*, process: BudgetProcess | None = None) -> QuerySet[BallotSubmission]:
    """Ballots not counted because the same voter voted on another channel, with the winner."""
    conflicts = BallotSubmission.objects.filter(counted=False).select_related(
        "ballot", "ballot__process", "ballot__area", "superseded_by", "voter", "entered_by"
    )
    if process is not None:
        conflicts = conflicts.filter(ballot__process=process)
    return conflicts.order_by("ballot__process", "ballot", "id")


# --- Tally input -----------------------------------------------------------------------------


@dataclass
class TallyInput:
    """A ballot's counted submissions as a Pabulib election, with its canonical checksum."""

    ballot: Ballot
    instance: pabulib.Instance
    profile: pabulib.Profile
    projects: dict[str, Project]  # by tally id
    checksum: str
    channels: Counter = field(default_factory=Counter)


def ballot_tally_input(*, ballot: Ballot) -> TallyInput:
    """Build the election of ``ballot``: feasible projects, counted ballots (empty ones too).

    The checksum is SHA-256 over a canonical text: the budget, the ballot type, each
    project's id and cost, and every counted ballot's ``project=points`` pairs, sorted, so
    it does not depend on row order, ids or when a ballot was cast.
    """
    projects = list(
        Project.objects.filter(ballot=ballot, feasibility=Project.Feasibility.FEASIBLE).order_by(
            "order", "id"
        )
    )
    by_pk = {p.pk: p.tally_id for p in projects}
    vote_type = ballot.tally_vote_type
    instance = pabulib.Instance(
        meta={"budget": str(exact_number(ballot.budget)), "vote_type": vote_type},
        projects=[
            pabulib.Project(project_id=p.tally_id, cost=exact_number(p.cost), name=p.title)
            for p in projects
        ],
        budget=exact_number(ballot.budget),
    )
    submissions = BallotSubmission.objects.filter(ballot=ballot, counted=True)
    chosen: dict[int, list[tuple[str, int]]] = {}
    channels: Counter = Counter()
    for submission_id, channel in submissions.order_by("id").values_list("id", "channel"):
        chosen[submission_id] = []
        channels[channel] += 1
    rows = (
        BallotSelection.objects.filter(submission__ballot=ballot, submission__counted=True)
        .order_by("submission_id", "position", "id")
        .values_list("submission_id", "project_id", "points")
    )
    for submission_id, project_id, points in rows.iterator(chunk_size=5000):
        if project_id in by_pk:
            chosen[submission_id].append((by_pk[project_id], points))
    cumulative = vote_type == "cumulative"
    ballots = [
        pabulib.Ballot(
            voter_id=str(submission_id),
            projects=tuple(p for p, _ in pairs),
            points=tuple(x for _, x in pairs) if cumulative else None,
        )
        for submission_id, pairs in chosen.items()
    ]
    profile = pabulib.Profile(vote_type=vote_type, ballots=ballots)
    lines = [f"budget:{exact_number(ballot.budget)}", f"type:{vote_type}"]
    lines += sorted(f"project:{p.tally_id}:{exact_number(p.cost)}" for p in projects)
    lines += sorted(
        "ballot:" + ",".join(f"{p}={x}" for p, x in sorted(pairs)) for pairs in chosen.values()
    )
    checksum = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return TallyInput(
        ballot=ballot,
        instance=instance,
        profile=profile,
        projects={p.tally_id: p for p in projects},
        checksum=checksum,
        channels=channels,
    )


# --- Results ---------------------------------------------------------------------------------


@dataclass
class BallotResults:
    ballot: Ballot
    official: TallyResult | None
    by_rule: dict[str, TallyResult]
    # One line per project: the project, and its row under each rule.
    lines: list[dict]
    turnout: dict[str, int]
    total_ballots: int
    eligible: int | None

    @property
    def funded_count(self) -> int:
        return sum(1 for line in self.lines if line["row"].selected)

    @property
    def top_votes(self) -> Decimal:
        """The most votes (or points) a project got: the full length of the chart's bars."""
        return max((line["row"].votes for line in self.lines), default=Decimal(0))


@dataclass
class ResultsSummary:
    """The whole process in a few numbers, for the top of the results page."""

    funded: int
    projects: int
    budget_used: Decimal
    budget: Decimal
    # People, not ballots: a resident who voted on the city-wide and a district ballot
    # counts once.
    voters: int
    eligible: int | None


def results_for_process(*, process: BudgetProcess) -> list[BallotResults]:
    """Stored tallies per ballot, with every rule side by side and turnout by channel.

    A constant number of queries whatever the number of projects or ballots.
    """
    from django.contrib.auth import get_user_model

    ballots = list(process.ballots.select_related("area").order_by("order", "id"))
    tallies = TallyResult.objects.filter(ballot__process=process).prefetch_related(
        Prefetch(
            "rows",
            queryset=TallyProjectResult.objects.select_related("project").order_by(
                "position", "-votes", "project__title"
            ),
        )
    )
    by_ballot: dict[int, dict[str, TallyResult]] = defaultdict(dict)
    for tally in tallies:
        by_ballot[tally.ballot_id][tally.rule] = tally
    turnout: dict[int, Counter] = defaultdict(Counter)
    for ballot_id, channel, count in (
        BallotSubmission.objects.filter(ballot__process=process, counted=True)
        .values_list("ballot_id", "channel")
        .annotate(count=Count("id"))
    ):
        turnout[ballot_id][channel] = count
    verified = get_user_model().objects.filter(is_active=True, verified_at__isnull=False)
    area_counts = dict(
        verified.exclude(home_area=None)
        .values_list("home_area")
        .annotate(count=Count("id"))
        .values_list("home_area", "count")
    )
    total_verified = verified.count()
    results = []
    for ballot in ballots:
        rules = by_ballot.get(ballot.pk, {})
        official = rules.get(process.tally_rule)
        lines: dict[int, dict] = {}
        order = [
            process.tally_rule,
            *[r for r in BudgetProcess.TallyRule.values if r != process.tally_rule],
        ]
        for rule in order:
            tally = rules.get(rule)
            if tally is None:
                continue
            for row in tally.rows.all():
                line = lines.setdefault(row.project_id, {"project": row.project, "row": row})
                line[rule.replace("-", "_")] = row
        ordered = sorted(
            lines.values(),
            key=lambda line: (
                not line["row"].selected,
                line["row"].position or 0,
                -line["row"].votes,
            ),
        )
        eligible = None
        if process.source == BudgetProcess.Source.PORTAL:
            eligible = (
                total_verified if ballot.area_id is None else area_counts.get(ballot.area_id, 0)
            )
        results.append(
            BallotResults(
                ballot=ballot,
                official=official,
                by_rule=rules,
                lines=ordered,
                turnout=dict(turnout.get(ballot.pk, {})),
                total_ballots=sum(turnout.get(ballot.pk, {}).values()),
                eligible=eligible,
            )
        )
    return results


def results_summary(*, process: BudgetProcess, results: list[BallotResults]) -> ResultsSummary:
    """Funded projects, money spent and turnout over the counted ballots of ``results``.

    Voters are counted once however many ballots they filled in: online voters by account,
    paper voters by their identifier's hash unless that hash is an online voter's, imported
    voters by the file's voter id. Four queries.
    """
    from django.contrib.auth import get_user_model

    counted = [r for r in results if r.official is not None]
    submissions = BallotSubmission.objects.filter(
        ballot__process=process, ballot__in=[r.ballot for r in counted], counted=True
    )
    online = submissions.filter(channel=BallotSubmission.Channel.ONLINE)
    # An online ballot whose account was deleted since is still one person's.
    online_people = online.aggregate(
        accounts=Count("voter", distinct=True), orphans=Count("id", filter=Q(voter=None))
    )
    paper_people = (
        submissions.filter(channel=BallotSubmission.Channel.PAPER)
        .exclude(voter_key="")
        .exclude(voter_key__in=online.exclude(voter_key="").values("voter_key"))
        .values("voter_key")
        .distinct()
        .count()
    )
    imported_people = (
        submissions.filter(channel=BallotSubmission.Channel.IMPORTED)
        .values("ballot", "import_voter_id")
        .distinct()
        .count()
    )
    eligible = None
    if process.source == BudgetProcess.Source.PORTAL:
        eligible = (
            get_user_model().objects.filter(is_active=True, verified_at__isnull=False).count()
        )
    return ResultsSummary(
        funded=sum(r.funded_count for r in counted),
        projects=sum(len(r.lines) for r in counted),
        budget_used=sum((r.official.budget_used for r in counted), Decimal(0)),
        budget=sum((r.official.budget for r in counted), Decimal(0)),
        voters=online_people["accounts"]
        + online_people["orphans"]
        + paper_people
        + imported_people,
        eligible=eligible,
    )
