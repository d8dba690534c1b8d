"""Projects: submission by residents and feasibility review by budget officers."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from budgeting.models import Ballot, BudgetProcess, Project
from budgeting.services.common import TOPIC_PROJECT_REVIEWED, require_perm
from civicportal.core.images import image_reencode
from civicportal.notifications.services import topic_notice_create

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 1600
# What a review decides; changing them is a review (``project_review``).
REVIEW_FIELDS = frozenset({"feasibility", "feasibility_reason", "final_cost"})


@transaction.atomic
def project_submit(
    *,
    actor,
    process: BudgetProcess,
    ballot: Ballot,
    title: str,
    description: str,
    estimated_cost: Decimal,
    image=None,
    image_description: str = "",
) -> Project:
    """A resident puts a project forward while submission is open; it waits for review."""
    require_perm(
        actor,
        "budgeting.submit_project",
        process,
        _("Projects can be submitted by signed-in residents while submission is open."),
    )
    if ballot.process_id != process.pk:
        raise ValidationError({"ballot": _("Choose one of this process's ballots.")})
    title, description = (title or "").strip(), (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the project: what, where and for whom.")})
    if image and not image_description.strip():
        raise ValidationError(
            {"image_description": _("Describe the image for people who cannot see it.")}
        )
    project = Project(
        process=process,
        ballot=ballot,
        title=title,
        description=description,
        estimated_cost=estimated_cost,
        submitted_by=actor,
        submitted_at=timezone.now(),
        image_description=image_description.strip() if image else "",
    )
    project.full_clean(exclude=["image"])
    if image:
        content = image_reencode(image, max_bytes=IMAGE_MAX_BYTES, max_side=IMAGE_MAX_SIDE)
        project.image.save(content.name, content, save=False)
    project.save()
    return project


@transaction.atomic
def project_review(
    *,
    actor,
    project: Project,
    feasibility: str,
    reason: str = "",
    final_cost: Decimal | None = None,
) -> Project:
    """A budget officer decides whether ``project`` is feasible, with a public reason.

    Only before voting opens (the ballot is frozen then). A project found not feasible needs
    a reason; a feasible one may get a final cost that the ballot uses. The submitter is
    notified (on commit). Locks the project row.
    """
    require_perm(
        actor,
        "budgeting.review_project",
        project.process,
        _("Only budget officers can review projects, and only before voting opens."),
    )
    locked = Project.objects.select_for_update().select_related("process").get(pk=project.pk)
    if feasibility not in Project.Feasibility.values or feasibility == Project.Feasibility.PENDING:
        raise ValidationError({"feasibility": _("Choose feasible or not feasible.")})
    reason = (reason or "").strip()
    if feasibility == Project.Feasibility.NOT_FEASIBLE and not reason:
        raise ValidationError(
            {
                "feasibility_reason": _(
                    "Say why the project is not feasible: residents will read it."
                )
            }
        )
    if final_cost is not None and final_cost < 0:
        raise ValidationError({"final_cost": _("The cost cannot be negative.")})
    if (
        feasibility == Project.Feasibility.FEASIBLE
        and (final_cost if final_cost is not None else locked.cost) > locked.ballot.budget
    ):
        raise ValidationError(
            {
                "final_cost": _(
                    "The project costs more than the whole budget of its ballot; it cannot be "
                    "funded, so it is not feasible."
                )
            }
        )
    locked.feasibility = feasibility
    locked.feasibility_reason = reason
    locked.final_cost = final_cost
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.full_clean(exclude=["image"])
    locked.save(
        update_fields=[
            "feasibility",
            "feasibility_reason",
            "final_cost",
            "reviewed_by",
            "reviewed_at",
        ]
    )
    if locked.submitted_by_id and locked.submitted_by_id != actor.pk:
        topic_notice_create(
            topic=TOPIC_PROJECT_REVIEWED,
            recipients=[locked.submitted_by],
            subject=gettext_noop("Your project “%(project)s” was reviewed"),
            body=gettext_noop(
                "Council staff reviewed your project “%(project)s”: %(outcome)s. Open it to "
                "read their reasons."
            ),
            params={"project": locked.title, "outcome": locked.get_feasibility_display()},
            url=locked.get_absolute_url(),
            idempotency_key=(
                f"budgeting.project_reviewed:{locked.pk}:{int(locked.reviewed_at.timestamp())}"
            ),
            source=locked,
        )
    return locked


@transaction.atomic
def project_add(*, actor, project: Project) -> Project:
    """A budget officer adds ``project`` (unsaved; the admin's form filled it in).

    The officer is its submitter unless one is named, and its reviewer, now, when it is
    added already reviewed. Adding to a process whose voting rules are frozen is refused.
    """
    require_perm(
        actor, "budgeting.add_project", project.process, _("Only budget officers can add projects.")
    )
    project.submitted_by = project.submitted_by or actor
    if project.feasibility != Project.Feasibility.PENDING:
        project.reviewed_by, project.reviewed_at = actor, timezone.now()
    project.full_clean(exclude=["image"])
    project.save()
    return project


@transaction.atomic
def project_update(*, actor, project: Project, changed: Collection[str]) -> Project:
    """Save a budget officer's changes to ``project``, which carries them (the admin's form
    applied them); ``changed`` names the fields that changed.

    A change of the review to anything but "waiting for review" goes through
    ``project_review`` (its permission and checks, the submitter's notice), after the other
    changed fields are saved, in the same transaction: all or nothing. Frozen voting rules
    refuse a change of the ballot, a cost or the feasibility. Locks the project row.
    """
    require_perm(
        actor,
        "budgeting.change_project",
        project.process,
        _("Only budget officers can change projects."),
    )
    Project.objects.select_for_update().only("pk").get(pk=project.pk)
    if REVIEW_FIELDS & set(changed) and project.feasibility != Project.Feasibility.PENDING:
        others = [name for name in changed if name not in REVIEW_FIELDS]
        if others:
            # Checked with the review: project_review validates the row as saved here.
            project.save(update_fields=others)
        return project_review(
            actor=actor,
            project=project,
            feasibility=project.feasibility,
            reason=project.feasibility_reason,
            final_cost=project.final_cost,
        )
    project.full_clean(exclude=["image"])
    project.save()
    return project
