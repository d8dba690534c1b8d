"""A resident's part of participatory budgeting: what they put forward and voted; erasing it.

Exported: the projects they put forward (with the council's review), their ballots with
the projects and points they chose (online ballots by account; paper ballots through the
identifier they were verified with), and, for council staff, what they did in the module
(paper ballots entered, reviews, phase changes, counts) without other voters' choices.

Erasing keeps what the count and the council's public record rely on; see
``budgeting_personal_data_erase``.
"""

from __future__ import annotations

from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q

from budgeting.models import (
    BallotSelection,
    BallotSubmission,
    ProcessTransition,
    Project,
    TallyProjectResult,
    TallyResult,
)
from civicportal.accounts.models import ResidencyRequest, User


def _money(value) -> str | None:
    return None if value is None else str(value)


def _identifier_hashes(user: User) -> list[str]:
    """The census hashes of the identifiers ``user`` was verified with (paper ballots' key)."""
    return list(
        ResidencyRequest.objects.filter(user=user, status=ResidencyRequest.Status.APPROVED)
        .exclude(identifier_hash="")
        .values_list("identifier_hash", flat=True)
    )


def _ballot_entry(submission: BallotSubmission) -> dict[str, Any]:
    winner = submission.superseded_by
    return {
        "id": submission.pk,
        "process": submission.ballot.process.title,
        "ballot": submission.ballot.display_name,
        "ballot_type": submission.ballot.kind,
        "channel": submission.channel,
        "first_cast_at": submission.submitted_at,
        "last_changed_at": submission.replaced_at,
        "times_changed": max(submission.revision - 1, 0),
        "counted": submission.counted,
        # A resident who voted online and on paper: the other ballot is the one counted.
        "counted_instead": None if winner is None else {"id": winner.pk, "channel": winner.channel},
        "choices": [
            {
                "project_id": selection.project_id,
                "project": selection.project.title,
                "points": selection.points,
                "cost": _money(selection.project.cost),
            }
            for selection in submission.selections.all()
        ],
    }


def budgeting_personal_data_export(user: User) -> dict[str, Any]:
    projects = (
        Project.objects.filter(submitted_by=user)
        .select_related("process", "ballot", "ballot__area")
        .order_by("pk")
    )
    paper = Q(channel=BallotSubmission.Channel.PAPER, voter_key__in=_identifier_hashes(user))
    submissions = (
        BallotSubmission.objects.filter(Q(voter=user) | paper)
        .select_related("ballot", "ballot__process", "ballot__area", "superseded_by")
        .prefetch_related(
            Prefetch("selections", queryset=BallotSelection.objects.select_related("project"))
        )
        .order_by("pk")
    )
    entered = (
        BallotSubmission.objects.filter(entered_by=user)
        .select_related("ballot", "ballot__process", "ballot__area")
        .order_by("pk")
    )
    reviewed = Project.objects.filter(reviewed_by=user).select_related("process").order_by("pk")
    transitions = (
        ProcessTransition.objects.filter(actor=user).select_related("process").order_by("pk")
    )
    tallies = (
        TallyResult.objects.filter(computed_by=user)
        .select_related("ballot", "ballot__process", "ballot__area")
        .order_by("pk")
    )
    return {
        "projects": [
            {
                "id": project.pk,
                "process": project.process.title,
                "ballot": project.ballot.display_name,
                "title": project.title,
                "description": project.description,
                "image": project.image.name or None,
                "image_description": project.image_description,
                "estimated_cost": _money(project.estimated_cost),
                "final_cost": _money(project.final_cost),
                "feasibility": project.feasibility,
                "feasibility_reason": project.feasibility_reason,
                "submitted_at": project.submitted_at,
                "reviewed_at": project.reviewed_at,
            }
            for project in projects
        ],
        "ballots": [_ballot_entry(submission) for submission in submissions],
        # What a member of staff did: which ballots they entered, never the choices on them
        # (those are the paper voter's).
        "staff_work": {
            "paper_ballots_entered": [
                {
                    "id": s.pk,
                    "process": s.ballot.process.title,
                    "ballot": s.ballot.display_name,
                    "entered_at": s.submitted_at,
                }
                for s in entered
            ],
            "projects_reviewed": [
                {
                    "project_id": p.pk,
                    "project": p.title,
                    "process": p.process.title,
                    "feasibility": p.feasibility,
                    "reviewed_at": p.reviewed_at,
                }
                for p in reviewed
            ],
            "phase_changes": [
                {
                    "process": t.process.title,
                    "from": t.from_state,
                    "to": t.to_state,
                    "note": t.note,
                    "at": t.at,
                }
                for t in transitions
            ],
            "results_computed": [
                {
                    "process": t.ballot.process.title,
                    "ballot": t.ballot.display_name,
                    "rule": t.rule,
                    "computed_at": t.computed_at,
                }
                for t in tallies
            ],
        },
    }


def _file_delete_on_commit(file) -> None:
    """Delete a stored file once the erase commits: a rolled-back deletion keeps its files."""
    storage, name = file.storage, file.name
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def budgeting_personal_data_erase(user: User) -> None:
    """Unlink ``user`` from the vote register and the projects that stay; delete the rest.

    What a council must keep, and why:

    - Ballots stay, counted as before, linked to no account (``voter`` NULL). A ballot is
      part of a tally that may be published: deleting it would change the results and the
      checksum the publication was checked against. The choices alone say nothing about who
      made them. The one-ballot-per-voter constraint ignores NULL voters, so it still holds
      for every account. ``voter_key`` stays: it is the keyed hash of the identity number
      (never the number), the same key every paper ballot carries, and it is what still
      stops the same person from having a second ballot counted, on paper or through a new
      account verified with the same number, while voting and counting go on.
    - Projects that staff never reviewed are deleted, with their image and audit history:
      nobody voted on them, no decision was made about them, they were only the resident's.
      (Voting cannot open while a project waits for review, so none of them is on a ballot;
      one with a vote or a result row would stay, as below.)
    - Reviewed projects stay: the council decided on them in public, and feasible ones may
      be on a ballot and in its results. They lose their author and their image (a picture
      may show the resident or their home) and are shown as by "Deleted resident".
    - Staff records (paper ballots entered, reviews, phase changes, counts) keep what was
      done and lose who did it, as the foreign keys would on deletion.

    Called by ``civicportal.core.services.account_delete`` inside its transaction, before
    the user row is deleted. Locks the resident's unreviewed projects (``FOR UPDATE``): a
    review running at the same moment either lands first (the project then stays) or waits
    and finds the project gone.
    """
    unreviewed = Project.objects.filter(
        submitted_by=user, feasibility=Project.Feasibility.PENDING
    ).filter(
        ~Exists(BallotSelection.objects.filter(project=OuterRef("pk"))),
        ~Exists(TallyProjectResult.objects.filter(project=OuterRef("pk"))),
    )
    waiting = list(unreviewed.select_for_update())
    if waiting:
        for project in waiting:
            if project.image:
                _file_delete_on_commit(project.image)
        only_theirs = Project.objects.filter(pk__in=[project.pk for project in waiting])
        # Their history holds the title and description the resident wrote; an audit entry
        # of the deletion would copy them again.
        LogEntry.objects.get_for_objects(only_theirs).delete()
        with disable_auditlog():
            only_theirs.delete()

    kept = Project.objects.filter(submitted_by=user)
    for project in kept.exclude(image=""):
        _file_delete_on_commit(project.image)
    # update(), not save(): an audit entry written now would carry the resident's email as
    # its actor's, after the accounts part blanked those of their other entries.
    kept.update(submitted_by=None, submitter_deleted=True, image="", image_description="")

    BallotSubmission.objects.filter(voter=user).update(voter=None)

    BallotSubmission.objects.filter(entered_by=user).update(entered_by=None)
    Project.objects.filter(reviewed_by=user).update(reviewed_by=None)
    ProcessTransition.objects.filter(actor=user).update(actor=None)
    TallyResult.objects.filter(computed_by=user).update(computed_by=None)
