"""Pabulib files out of the database: one ballot of a closed process, anonymised."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from budgeting import pabulib
from budgeting.models import (
    Ballot,
    BallotSelection,
    BallotSubmission,
    BudgetProcess,
    Project,
    TallyResult,
)
from budgeting.selectors import exact_number


def _date(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y") if value else ""


def _native_meta(process: BudgetProcess, ballot: Ballot) -> dict[str, str]:
    meta = {
        "description": process.title,
        "unit": settings.COUNCIL_NAME,
        "instance": str((process.voting_opens or process.created_at).year),
        "rule": process.pabulib_rule(),
        "currency": process.currency,
        "language": settings.LANGUAGE_CODE,
        "date_begin": _date(process.voting_opens),
        "date_end": _date(process.voting_closes),
        "min_length": str(ballot.min_choices),
    }
    if ballot.area_id:
        meta["district"] = ballot.area.name
    elif ballot.name:
        meta["subunit"] = ballot.name
    if ballot.max_choices is not None:
        meta["max_length"] = str(ballot.max_choices)
    if ballot.kind == Ballot.Kind.KNAPSACK:
        meta["max_sum_cost"] = str(exact_number(ballot.budget))
    if ballot.kind == Ballot.Kind.CUMULATIVE:
        meta["max_sum_points"] = str(ballot.points_total)
        if ballot.max_points_per_project:
            meta["max_points"] = str(ballot.max_points_per_project)
    return {key: value for key, value in meta.items() if value}


def pabulib_export(*, process: BudgetProcess, ballot: Ballot | None = None) -> str:
    """One ballot of a closed process as Pabulib text, anonymised.

    Voter ids are replaced by 1, 2, 3... in the order ballots were stored; only counted
    ballots are written (a voter who voted online and on paper appears once). Accounts,
    identifier hashes and times are never written. Imported processes keep their META and
    extra columns, so importing a file and exporting it gives the same instance and profile.
    """
    if not process.is_closed:
        raise ValidationError(
            _(
                "Only a process whose voting has closed can be exported "
                "(“%(process)s” is in the phase %(phase)s)."
            )
            % {"process": process.title, "phase": process.get_state_display()}
        )
    ballots = list(process.ballots.select_related("area").order_by("order", "id"))
    if ballot is None:
        if len(ballots) != 1:
            raise ValidationError(
                _("“%(process)s” has %(count)s ballots; choose one of: %(ballots)s.")
                % {
                    "process": process.title,
                    "count": len(ballots),
                    "ballots": ", ".join(f"{b.pk} ({b.display_name})" for b in ballots),
                }
            )
        ballot = ballots[0]
    elif ballot.process_id != process.pk:
        raise ValidationError(_("That ballot belongs to another process."))
    imported = process.source == BudgetProcess.Source.PABULIB and bool(process.pabulib_meta)
    meta = dict(process.pabulib_meta) if imported else _native_meta(process, ballot)
    vote_type = meta.get("vote_type") if imported else ballot.tally_vote_type
    vote_type = vote_type or ballot.tally_vote_type
    with_points = vote_type in pabulib.POINTS_VOTE_TYPES

    projects = list(
        Project.objects.filter(ballot=ballot, feasibility=Project.Feasibility.FEASIBLE).order_by(
            "order", "id"
        )
    )
    by_pk = {p.pk: p.tally_id for p in projects}
    submissions = list(
        BallotSubmission.objects.filter(ballot=ballot, counted=True)
        .order_by("id")
        .values_list("id", "channel", "pabulib_extra")
    )
    chosen: dict[int, list[tuple[str, int]]] = {pk: [] for pk, _, _ in submissions}
    for submission_id, project_id, points in (
        BallotSelection.objects.filter(submission__ballot=ballot, submission__counted=True)
        .order_by("submission_id", "position", "id")
        .values_list("submission_id", "project_id", "points")
        .iterator(chunk_size=5000)
    ):
        if project_id in by_pk:
            chosen[submission_id].append((by_pk[project_id], points))

    if imported:
        project_columns = list(ballot.pabulib_project_columns)
        vote_columns = list(ballot.pabulib_vote_columns)
        extras = {p.pk: dict(p.pabulib_extra) for p in projects}
    else:
        votes: dict[str, int] = dict.fromkeys(by_pk.values(), 0)
        for pairs in chosen.values():
            for project_id, points in pairs:
                votes[project_id] += points
        official = TallyResult.objects.filter(ballot=ballot, rule=process.tally_rule).first()
        funded = (
            set(official.rows.filter(selected=True).values_list("project_id", flat=True))
            if official
            else None
        )
        project_columns = ["project_id", "cost", "name", "votes"]
        if funded is not None:
            project_columns.append("selected")
        extras = {}
        for p in projects:
            extras[p.pk] = {"votes": str(votes[p.tally_id])}
            if funded is not None:
                extras[p.pk]["selected"] = "1" if p.pk in funded else "0"
        vote_columns = ["voter_id", "vote", *(["points"] if with_points else []), "voting_method"]
    channel_names = {"online": "internet", "paper": "paper"}
    budget = (
        pabulib.parse_number(meta["budget"])
        if imported and "budget" in meta
        else exact_number(ballot.budget)
    )
    instance = pabulib.Instance(
        meta=meta,
        projects=[
            pabulib.Project(
                project_id=p.tally_id,
                cost=exact_number(p.cost),
                name=p.title if not imported or "name" in project_columns else "",
                extra=extras[p.pk],
            )
            for p in projects
        ],
        budget=budget,
        project_columns=project_columns,
    )
    ballots_out = []
    for number, (submission_id, channel, extra) in enumerate(submissions, start=1):
        pairs = chosen[submission_id]
        if not imported:
            extra = {"voting_method": channel_names.get(channel, channel)}
        ballots_out.append(
            pabulib.Ballot(
                voter_id=str(number),
                projects=tuple(p for p, _ in pairs),
                points=tuple(x for _, x in pairs) if with_points else None,
                extra=dict(extra or {}),
            )
        )
    profile = pabulib.Profile(vote_type=vote_type, ballots=ballots_out, vote_columns=vote_columns)
    return pabulib.write(instance, profile)
