"""Casting ballots: online by verified residents, on paper by staff, one counted per voter."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgeting.models import Ballot, BallotSelection, BallotSubmission, BudgetProcess, Project
from budgeting.services.common import lock_process_shared, money, require_perm
from civicportal.accounts.census import hash_identifier
from civicportal.accounts.models import CensusEntry, ResidencyRequest
from civicportal.accounts.rules import is_verified_resident
from civicportal.audience.services import participation_record

Channel = BallotSubmission.Channel


def ballot_validate(*, ballot: Ballot, selections: Mapping[int, int]) -> list[tuple[Project, int]]:
    """Check a filled-in ballot against its type and limits; return (project, points) pairs.

    ``selections`` maps project ids to points (1 for approval and knapsack ballots). Every
    refusal says what is wrong and what to do. The order of the pairs is the given order.
    A project of another process is refused as if it did not exist: that process may be a
    draft, and its projects are not the voter's to read (docs/specification.md §10).
    """
    if not isinstance(selections, Mapping):
        raise ValidationError(_("The ballot must list projects with their points."))
    ids = []
    for raw_id, raw_points in selections.items():
        try:
            ids.append((int(raw_id), raw_points))
        except (TypeError, ValueError):
            raise ValidationError(
                _("“%(value)s” is not a project number.") % {"value": str(raw_id)[:40]}
            ) from None
    projects = {
        p.pk: p
        for p in Project.objects.filter(pk__in=[pk for pk, _ in ids]).select_related(
            "ballot", "ballot__area"
        )
    }
    chosen: list[tuple[Project, int]] = []
    for pk, raw_points in ids:
        project = projects.get(pk)
        if project is None or {project.process_id, project.ballot.process_id} != {
            ballot.process_id
        }:
            raise ValidationError(_("There is no project number %(id)s.") % {"id": pk})
        if project.ballot_id != ballot.pk:
            raise ValidationError(
                _(
                    "“%(project)s” is on the “%(other)s” ballot, not on “%(ballot)s”: vote for "
                    "it there, if you may."
                )
                % {
                    "project": project.title,
                    "other": project.ballot.display_name,
                    "ballot": ballot.display_name,
                }
            )
        if project.feasibility == Project.Feasibility.NOT_FEASIBLE:
            raise ValidationError(
                _("“%(project)s” was found not feasible, so it is not on the ballot.")
                % {"project": project.title}
            )
        if project.feasibility != Project.Feasibility.FEASIBLE:
            raise ValidationError(
                _("“%(project)s” has not been approved for the ballot.")
                % {"project": project.title}
            )
        if ballot.kind == Ballot.Kind.CUMULATIVE:
            points = _points(ballot, project, raw_points)
            if points == 0:
                continue  # zero points is the same as not choosing the project
        else:
            if str(raw_points) not in ("1", "True", "true", "on"):
                raise ValidationError(
                    _("“%(project)s”: on this ballot a project is either chosen or not.")
                    % {"project": project.title}
                )
            points = 1
        chosen.append((project, points))

    count = len(chosen)
    if count < max(ballot.min_choices, 1):
        minimum = max(ballot.min_choices, 1)
        raise ValidationError(
            ngettext(
                "Choose at least %(min)s project.",
                "Choose at least %(min)s projects; you chose %(count)s.",
                minimum,
            )
            % {"min": minimum, "count": count},
            code="too_few",
        )
    if ballot.max_choices is not None and count > ballot.max_choices:
        raise ValidationError(
            ngettext(
                "You may choose at most %(max)s project; you chose %(count)s.",
                "You may choose at most %(max)s projects; you chose %(count)s.",
                ballot.max_choices,
            )
            % {"max": ballot.max_choices, "count": count},
            code="too_many",
        )
    if ballot.kind == Ballot.Kind.KNAPSACK:
        total = sum((p.cost for p, _ in chosen), Decimal(0))
        if total > ballot.budget:
            raise ValidationError(
                _(
                    "Your choices cost %(total)s, %(over)s more than the budget of %(budget)s. "
                    "Remove a project so that they fit."
                )
                % {
                    "total": money(total, ballot.process.currency),
                    "over": money(total - ballot.budget, ballot.process.currency),
                    "budget": money(ballot.budget, ballot.process.currency),
                },
                code="over_budget",
            )
    if ballot.kind == Ballot.Kind.CUMULATIVE:
        used = sum(points for _, points in chosen)
        if used > ballot.points_total:
            raise ValidationError(
                _("You gave %(used)s points, but you have %(total)s to share out.")
                % {"used": used, "total": ballot.points_total},
                code="too_many_points",
            )
    return chosen


def _points(ballot: Ballot, project: Project, raw) -> int:
    limit = ballot.max_points_per_project or ballot.points_total
    try:
        points = int(str(raw).strip() or "0")
    except ValueError:
        points = -1
    if points < 0 or points > limit:
        raise ValidationError(
            _("Give “%(project)s” a whole number of points from 0 to %(max)s.")
            % {"project": project.title, "max": limit},
            code="points",
        )
    return points


def voter_key_for(user) -> str:
    """The hash of the identifier the voter was verified with, or "" if they gave none."""
    return (
        ResidencyRequest.objects.filter(user=user, status=ResidencyRequest.Status.APPROVED)
        .exclude(identifier_hash="")
        .order_by("-reviewed_at", "-id")
        .values_list("identifier_hash", flat=True)
        .first()
        or ""
    )


def _store_selections(submission: BallotSubmission, chosen: list[tuple[Project, int]]) -> None:
    submission.selections.all().delete()
    BallotSelection.objects.bulk_create(
        BallotSelection(submission=submission, project=project, points=points, position=i)
        for i, (project, points) in enumerate(chosen)
    )


def _resolve_duplicates(*, ballot: Ballot, voter_key: str, precedence: str) -> None:
    """Of the ballots one voter cast online and on paper, count one (``precedence``).

    Locks every submission of the voter (``FOR UPDATE``). The loser is saved first so the
    one-counted-per-voter constraint holds after every statement.
    """
    if not voter_key:
        return
    rows = list(
        BallotSubmission.objects.select_for_update()
        .filter(ballot=ballot, voter_key=voter_key)
        .order_by("id")
    )
    online = [s for s in rows if s.channel == Channel.ONLINE]
    paper = [s for s in rows if s.channel == Channel.PAPER]
    if not online or not paper:
        winner = rows[0] if rows else None
        losers = []
    else:
        winner = paper[0] if precedence == BudgetProcess.Precedence.PAPER else online[0]
        losers = [s for s in rows if s.pk != winner.pk]
    for loser in losers:
        if loser.counted or loser.superseded_by_id != winner.pk:
            loser.counted = False
            loser.superseded_by = winner
            loser.save(update_fields=["counted", "superseded_by"])
    if winner is not None and (not winner.counted or winner.superseded_by_id):
        winner.counted = True
        winner.superseded_by = None
        winner.save(update_fields=["counted", "superseded_by"])


@transaction.atomic
def ballot_cast(*, actor, ballot: Ballot, selections: Mapping[int, int]) -> BallotSubmission:
    """Store (or replace) the actor's online ballot while voting is open.

    Only verified residents vote, on the city-wide ballot and their home district's. The
    process row is read ``FOR SHARE`` (see ``lock_process_shared``); the voter's row is
    created with ON CONFLICT DO NOTHING against the one-per-voter constraint and then locked
    ``FOR UPDATE``, so parallel submissions by one voter run one after the other and leave
    one stored ballot: the last one. If the voter also voted on paper, the process's
    precedence decides which ballot counts.
    """
    if not is_verified_resident(actor):
        raise PermissionDenied(
            _(
                "Only residents whose residency is verified can vote. Ask to be verified on "
                "your profile."
            )
        )
    process = lock_process_shared(ballot.process_id)
    ballot = Ballot.objects.select_related("area").get(pk=ballot.pk)
    ballot.process = process
    if not process.is_voting_open():
        raise ValidationError(
            _("Voting on “%(process)s” is not open, so ballots cannot be cast or changed.")
            % {"process": process.title},
            code="closed",
        )
    if ballot.area_id is not None and ballot.area_id != actor.home_area_id:
        raise ValidationError(
            _(
                "The “%(ballot)s” ballot is for residents of %(area)s; your home area is "
                "%(home)s. Vote on the city-wide ballot and your own district's."
            )
            % {
                "ballot": ballot.display_name,
                "area": ballot.area.name,
                "home": actor.home_area.name if actor.home_area_id else _("not set"),
            },
            code="wrong_district",
        )
    chosen = ballot_validate(ballot=ballot, selections=selections)
    BallotSubmission.objects.bulk_create(
        [BallotSubmission(ballot=ballot, voter=actor, channel=Channel.ONLINE)],
        ignore_conflicts=True,
    )
    submission = BallotSubmission.objects.select_for_update().get(ballot=ballot, voter=actor)
    now = timezone.now()
    fields = ["revision"]
    if submission.revision:
        submission.replaced_at = now
        fields.append("replaced_at")
    else:
        submission.submitted_at = now
        fields.append("submitted_at")
    submission.revision += 1
    _store_selections(submission, chosen)
    key = submission.voter_key or voter_key_for(actor)
    if key and not submission.voter_key:
        rival = (
            BallotSubmission.objects.filter(ballot=ballot, voter_key=key, counted=True)
            .exclude(pk=submission.pk)
            .first()
        )
        if rival is not None:
            # Linked as not counted first (the one-counted-per-voter constraint holds at
            # every statement); _resolve_duplicates then applies the precedence.
            submission.counted = False
            submission.superseded_by = rival
            fields += ["counted", "superseded_by"]
        submission.voter_key = key
        fields.append("voter_key")
    submission.save(update_fields=fields)
    _resolve_duplicates(ballot=ballot, voter_key=key, precedence=process.paper_precedence)
    submission.refresh_from_db(fields=["counted", "superseded_by"])
    participation_record(user=actor, module="budgeting", action="ballot")
    return submission


@transaction.atomic
def paper_ballot_enter(
    *, actor, ballot: Ballot, voter_identifier: str, selections: Mapping[int, int]
) -> BallotSubmission:
    """Staff enter a paper or in-person ballot into the register.

    The voter's identifier is hashed with the census key at once and never stored. When a
    census is imported the identifier must be on it (and in the ballot's district when the
    census says where the voter lives). A second paper ballot of the same voter is refused;
    an online ballot of the same voter (found by the identifier they were verified with) is
    de-duplicated by the process's precedence, and shows in the admin's conflicts list.
    """
    process = lock_process_shared(ballot.process_id)
    ballot = Ballot.objects.select_related("area").get(pk=ballot.pk)
    ballot.process = process
    require_perm(
        actor,
        "budgeting.enter_paper_ballot",
        process,
        _("Only budget officers can enter paper ballots, while voting is open or being counted."),
    )
    key = hash_identifier(voter_identifier or "")
    if not key:
        raise ValidationError(
            {"voter_identifier": _("Enter the voter's identity number from the paper ballot.")}
        )
    census = CensusEntry.objects.filter(identifier_hash=key).select_related("area").first()
    if census is None and CensusEntry.objects.exists():
        raise ValidationError(
            {
                "voter_identifier": _(
                    "This identity number is not on the census: the ballot cannot be counted."
                )
            }
        )
    if (
        census is not None
        and census.area_id
        and ballot.area_id
        and census.area_id != ballot.area_id
    ):
        raise ValidationError(
            {
                "voter_identifier": _("The census lists this voter in %(area)s, not in %(ballot)s.")
                % {"area": census.area.name, "ballot": ballot.area.name}
            }
        )
    existing = (
        BallotSubmission.objects.filter(ballot=ballot, voter_key=key, channel=Channel.PAPER)
        .select_related("entered_by")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            {
                "voter_identifier": _(
                    "A paper ballot of this voter was already entered on %(when)s (number %(id)s)."
                )
                % {
                    "when": timezone.localtime(existing.submitted_at).strftime("%Y-%m-%d %H:%M"),
                    "id": existing.pk,
                }
            }
        )
    chosen = ballot_validate(ballot=ballot, selections=selections)
    submission = BallotSubmission(
        ballot=ballot,
        channel=Channel.PAPER,
        voter_key=key,
        entered_by=actor,
        revision=1,
    )
    # An online ballot already linked to this voter: the paper one starts as not counted
    # (the one-counted-per-voter constraint), then the precedence decides.
    rivals = list(
        BallotSubmission.objects.select_for_update().filter(
            ballot=ballot, voter_key=key, counted=True
        )
    )
    try:
        with transaction.atomic():
            if rivals:
                submission.counted = False
                submission.superseded_by = rivals[0]
            submission.save()
            _store_selections(submission, chosen)
    except IntegrityError as exc:
        raise ValidationError(
            {"voter_identifier": _("A paper ballot of this voter was entered at the same moment.")}
        ) from exc
    _link_unkeyed_online(ballot=ballot, key=key, winner=submission)
    _resolve_duplicates(ballot=ballot, voter_key=key, precedence=process.paper_precedence)
    submission.refresh_from_db(fields=["counted", "superseded_by"])
    return submission


def _link_unkeyed_online(*, ballot: Ballot, key: str, winner: BallotSubmission) -> None:
    """Give the voter's key to their online ballot if it was cast before they were verified
    with this identifier; it joins the de-duplication as not counted, for the moment."""
    verified_users = ResidencyRequest.objects.filter(
        identifier_hash=key, status=ResidencyRequest.Status.APPROVED
    ).values("user")
    for online in BallotSubmission.objects.select_for_update().filter(
        ballot=ballot, channel=Channel.ONLINE, voter__in=verified_users, voter_key=""
    ):
        online.voter_key = key
        online.counted = False
        online.superseded_by = winner
        online.save(update_fields=["voter_key", "counted", "superseded_by"])
