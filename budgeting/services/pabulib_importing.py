"""Pabulib files into the database: a ``.pb`` file becomes a closed process."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from budgeting import pabulib
from budgeting.models import (
    Ballot,
    BallotSelection,
    BallotSubmission,
    BudgetProcess,
    ProcessTransition,
    Project,
)
from civicportal.accounts.models import Area
from civicportal.kernel.progress import NO_PROGRESS, Progress
from civicportal.kernel.validators import control_character_line_message, find_control_character

BATCH = 2000
RULE_FROM_PABULIB = {
    "greedy": BudgetProcess.TallyRule.GREEDY,
    "equalshares": BudgetProcess.TallyRule.MES,
    "equalshares/add1": BudgetProcess.TallyRule.MES_ADD1,
}
ID_MAX = 64
TITLE_MAX = 300


def _read_text(source) -> str:
    """The text of a path, an uploaded (binary) file, an open text file or a string."""
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source):
        try:
            data = Path(source).read_bytes()
        except FileNotFoundError:
            raise ValidationError(_("%(file)s: no such file.") % {"file": source}) from None
        except IsADirectoryError:
            raise ValidationError(
                _("%(file)s is a directory, not a .pb file.") % {"file": source}
            ) from None
    elif isinstance(source, str):
        return source
    else:
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
        if isinstance(data, str):
            return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            _("Line %(line)s: the file is not UTF-8 text.") % {"line": line}, code="encoding"
        ) from None


def _meta_int(meta: dict, key: str) -> int | None:
    value = meta.get(key, "").strip()
    if not value:
        return None
    try:
        number = pabulib.parse_number(value)
    except ValueError:
        number = None
    if not isinstance(number, int) or number < 0:
        raise ValidationError(
            _("META %(key)s is %(value)s, which is not a whole number.")
            % {"key": key, "value": value[:40]}
        )
    return number


def _meta_date(meta: dict, key: str) -> datetime | None:
    value = meta.get(key, "").strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%Y %H:%M"):
        try:
            return timezone.make_aware(datetime.strptime(value, pattern))
        except ValueError:
            continue
    return None


def _unique_slug(base: str) -> str:
    base = (slugify(base) or "pabulib")[:180]
    slug, n = base, 1
    while BudgetProcess.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _ballot_rules(instance: pabulib.Instance, profile: pabulib.Profile) -> dict:
    meta, vote_type = instance.meta, profile.vote_type
    if vote_type not in pabulib.TALLY_VOTE_TYPES:
        raise ValidationError(
            _(
                "vote_type “%(type)s” cannot be imported: the portal runs approval, choose-1 "
                "(approval of one), knapsack and cumulative ballots."
            )
            % {"type": vote_type}
        )
    min_length = _meta_int(meta, "min_length") or 0
    max_length = _meta_int(meta, "max_length")
    if vote_type == "cumulative":
        totals = [sum(b.points) for b in profile.ballots] or [1]
        for ballot in profile.ballots:
            if any(not isinstance(x, int) for x in ballot.points):
                raise ValidationError(
                    _("Voter %(voter)s gives fractional points; only whole points can be imported.")
                    % {"voter": ballot.voter_id}
                )
        points_total = _meta_int(meta, "max_sum_points") or max(max(totals), 1)
        return {
            "kind": Ballot.Kind.CUMULATIVE,
            "points_total": points_total,
            "max_points_per_project": _meta_int(meta, "max_points"),
            "min_choices": min_length,
            "max_choices": max_length,
        }
    if vote_type == "choose-1":
        return {"kind": Ballot.Kind.APPROVAL, "max_choices": 1, "min_choices": min(min_length, 1)}
    if meta.get("max_sum_cost", "").strip():
        return {"kind": Ballot.Kind.KNAPSACK, "max_choices": max_length, "min_choices": min_length}
    return {
        "kind": Ballot.Kind.APPROVAL,
        "max_choices": max_length or max(len(instance.projects), 1),
        "min_choices": min_length,
    }


@transaction.atomic
def pabulib_import(
    *, actor, source, title: str = "", progress: Progress = NO_PROGRESS
) -> BudgetProcess:
    """Create a closed process with the projects and ballots of a Pabulib file.

    ``source``: a path, an uploaded file or the text itself. All or nothing: any problem
    raises ValidationError (naming the line for format errors) and nothing is stored.
    ``progress`` (``civicportal.kernel.progress``) counts the ballots as they are stored (real
    files hold 100,000); a background job's progress may raise JobCancelled, which rolls
    the whole import back. ``actor`` None is the command line.
    """
    if actor is not None and not actor.has_perm("budgeting.import_process"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only budget officers can import Pabulib files."))
    progress.advance(0, message=_("Reading the file"))
    text = _read_text(source)
    found = find_control_character(text)
    if found is not None:  # a NUL would reach the database; none belongs in a .pb file
        raise ValidationError(control_character_line_message(found), code="format")
    try:
        instance, profile = pabulib.parse(text)
    except pabulib.PabulibFormatError as error:
        if error.line:
            raise ValidationError(
                _("Line %(line)s: %(message)s") % {"line": error.line, "message": error.message},
                code="format",
            ) from None
        raise ValidationError(error.message, code="format") from None
    meta = instance.meta
    budget = Decimal(str(instance.budget))
    if budget <= 0:
        raise ValidationError(_("META budget must be more than 0."))
    for project in instance.projects:
        if len(project.project_id) > ID_MAX:
            raise ValidationError(
                _("Project id %(id)s… is longer than %(max)s characters.")
                % {"id": project.project_id[:20], "max": ID_MAX}
            )
        if Decimal(str(project.cost)).as_tuple().exponent < -2:
            raise ValidationError(
                _("The cost of project %(id)s has more than two decimals.")
                % {"id": project.project_id}
            )
        if len(project.name) > TITLE_MAX:
            raise ValidationError(
                _("The name of project %(id)s is longer than %(max)s characters.")
                % {"id": project.project_id, "max": TITLE_MAX}
            )
    for ballot in profile.ballots:
        if len(ballot.voter_id) > ID_MAX:
            raise ValidationError(
                _("Voter id %(id)s… is longer than %(max)s characters.")
                % {"id": ballot.voter_id[:20], "max": ID_MAX}
            )
    rules = _ballot_rules(instance, profile)
    progress.advance(0, message=_("Storing the projects"))
    now = timezone.now()
    name = " ".join(
        part
        for part in (meta.get("unit", ""), meta.get("subunit", ""), meta.get("instance", ""))
        if part
    )
    title = (title or meta.get("description") or name or _("Imported budget")).strip()[:200]
    process = BudgetProcess.objects.create(
        title=title,
        slug=_unique_slug(name or title),
        description=meta.get("comment", "") or meta.get("comments", ""),
        state=BudgetProcess.State.CLOSED,
        voting_opens=_meta_date(meta, "date_begin"),
        voting_closes=_meta_date(meta, "date_end"),
        tally_rule=RULE_FROM_PABULIB.get(meta.get("rule", ""), BudgetProcess.TallyRule.MES_ADD1),
        currency=(meta.get("currency") or "EUR")[:3].upper(),
        rules_frozen_at=now,
        source=BudgetProcess.Source.PABULIB,
        pabulib_meta=meta,
    )
    if (
        process.voting_opens
        and process.voting_closes
        and process.voting_closes < process.voting_opens
    ):
        process.voting_closes = None
        process.save(update_fields=["voting_closes"])
    district = meta.get("district", "").strip()
    area = Area.objects.filter(name__iexact=district).first() if district else None
    ballot = Ballot.objects.create(
        process=process,
        area=area,
        name="" if area else (district or meta.get("subunit", "") or "")[:120],
        budget=budget,
        pabulib_project_columns=instance.project_columns,
        pabulib_vote_columns=profile.vote_columns,
        **rules,
    )
    projects = Project.objects.bulk_create(
        Project(
            process=process,
            ballot=ballot,
            title=project.name or _("Project %(id)s") % {"id": project.project_id},
            description=project.extra.get("description", ""),
            estimated_cost=Decimal(str(project.cost)),
            feasibility=Project.Feasibility.FEASIBLE,
            reviewed_at=now,
            submitted_at=now,
            order=index,
            pabulib_id=project.project_id,
            pabulib_extra=project.extra,
        )
        for index, project in enumerate(instance.projects)
    )
    project_pk = {p.pabulib_id: p.pk for p in projects}
    total = len(profile.ballots)
    progress.total(total)
    progress.advance(0, message=_("Storing the ballots"))
    for start in range(0, total, BATCH):
        chunk = profile.ballots[start : start + BATCH]
        submissions = BallotSubmission.objects.bulk_create(
            BallotSubmission(
                ballot=ballot,
                channel=BallotSubmission.Channel.IMPORTED,
                import_voter_id=b.voter_id,
                submitted_at=now,
                revision=1,
                pabulib_extra=b.extra,
            )
            for b in chunk
        )
        BallotSelection.objects.bulk_create(
            (
                BallotSelection(
                    submission_id=submission.pk,
                    project_id=project_pk[project_id],
                    points=b.points[i] if b.points is not None else 1,
                    position=i,
                )
                for submission, b in zip(submissions, chunk, strict=True)
                for i, project_id in enumerate(b.projects)
            ),
            batch_size=5000,
        )
        progress.advance(len(chunk))
    ProcessTransition.objects.create(
        process=process,
        from_state="",
        to_state=BudgetProcess.State.CLOSED,
        actor=actor,
        note="pabulib import",
        at=now,
    )
    return process
