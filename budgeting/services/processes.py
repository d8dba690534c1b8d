"""The state machine of a budget process: every phase change goes through here."""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from budgeting.models import BudgetProcess, ProcessTransition, Project, TallyResult
from budgeting.services.common import (
    TOPIC_RESULTS_PUBLISHED,
    TOPIC_VOTING_OPENED,
    require_perm,
)
from civicportal.notifications.services import topic_notice_create

logger = logging.getLogger(__name__)
State = BudgetProcess.State


def _check_ready(process: BudgetProcess, to_state: str, now: datetime) -> None:
    """Refuse a transition whose preconditions do not hold, saying what is missing."""
    ballots = list(process.ballots.all())
    if to_state in (State.SUBMISSION, State.REVIEW, State.VOTING) and not ballots:
        raise ValidationError(
            _("Add at least one ballot (city-wide or for a district) to “%(process)s” first.")
            % {"process": process.title}
        )
    if to_state == State.VOTING:
        pending = Project.objects.filter(process=process, feasibility=Project.Feasibility.PENDING)
        count = pending.count()
        if count:
            raise ValidationError(
                ngettext(
                    "%(count)s project still waits for its feasibility review.",
                    "%(count)s projects still wait for their feasibility review.",
                    count,
                )
                % {"count": count}
            )
        empty = [
            ballot.display_name
            for ballot in ballots
            if not ballot.projects.filter(feasibility=Project.Feasibility.FEASIBLE).exists()
        ]
        if empty:
            raise ValidationError(
                _("These ballots have no feasible project to vote on: %(ballots)s.")
                % {"ballots": ", ".join(empty)}
            )
        if process.voting_closes is not None and process.voting_closes <= now:
            raise ValidationError(
                _("The closing date of voting has passed: set a later one before opening voting.")
            )
    if to_state == State.RESULTS:
        from budgeting.selectors import ballot_tally_input

        for ballot in ballots:
            tally = TallyResult.objects.filter(ballot=ballot, rule=process.tally_rule).first()
            if tally is None:
                raise ValidationError(
                    _("Compute the results before publishing them (ballot “%(ballot)s”).")
                    % {"ballot": ballot.display_name}
                )
            if tally.checksum != ballot_tally_input(ballot=ballot).checksum:
                raise ValidationError(
                    _(
                        "The ballots of “%(ballot)s” changed after the results were computed "
                        "(paper ballots entered since?). Compute the results again first."
                    )
                    % {"ballot": ballot.display_name}
                )


@transaction.atomic
def process_advance(
    *, actor, process: BudgetProcess, to_state: str, note: str = "", now: datetime | None = None
) -> BudgetProcess:
    """Move ``process`` to ``to_state`` (one step of the state machine) and record it.

    ``actor`` None means the schedule (``processes_advance_due``). Locks the process row
    (``FOR UPDATE``): ballots being cast hold it ``FOR SHARE``, so closing voting waits for
    them and no ballot is taken after. Opening voting freezes the voting rules; closing it
    and opening it set the matching date to now when the change comes early. Notifies
    residents when voting opens and voters when results are published (on commit).
    """
    now = now or timezone.now()
    if actor is not None:
        require_perm(
            actor,
            "budgeting.advance_process",
            process,
            _("Only budget officers can change the phase of a budget process."),
        )
    locked = BudgetProcess.objects.select_for_update().get(pk=process.pk)
    if to_state not in State.values:
        raise ValidationError(_("“%(state)s” is not a phase.") % {"state": to_state})
    if to_state not in locked.next_states():
        allowed = ", ".join(str(State(s).label) for s in locked.next_states()) or _("none")
        raise ValidationError(
            _(
                "A process in the phase “%(current)s” cannot move to “%(target)s”; "
                "next: %(allowed)s."
            )
            % {
                "current": State(locked.state).label,
                "target": State(to_state).label,
                "allowed": allowed,
            }
        )
    _check_ready(locked, to_state, now)
    from_state = locked.state
    locked.state = to_state
    fields = ["state", "updated_at"]
    if to_state == State.REVIEW and (locked.review_opens is None or locked.review_opens > now):
        locked.review_opens = now
        fields.append("review_opens")
    if to_state == State.VOTING:
        locked.rules_frozen_at = now
        fields.append("rules_frozen_at")
        if locked.voting_opens is None or locked.voting_opens > now:
            locked.voting_opens = now
            fields.append("voting_opens")
    if to_state == State.CLOSED and (locked.voting_closes is None or locked.voting_closes > now):
        locked.voting_closes = now
        fields.append("voting_closes")
    if to_state == State.RESULTS:
        locked.results_published_at = now
        fields.append("results_published_at")
    locked.save(update_fields=fields)
    ProcessTransition.objects.create(
        process=locked, from_state=from_state, to_state=to_state, actor=actor, note=note, at=now
    )
    if to_state == State.VOTING:
        _notify_voting_opened(locked)
    elif to_state == State.RESULTS:
        _notify_results_published(locked)
    process.__dict__.update({name: getattr(locked, name) for name in [*fields, "state"]})
    return locked


def _notify_voting_opened(process: BudgetProcess) -> None:
    areas = [b.area_id for b in process.ballots.all()]
    residents = get_user_model().objects.filter(is_active=True, verified_at__isnull=False)
    if None not in areas:
        residents = residents.filter(home_area__in=areas)
    topic_notice_create(
        topic=TOPIC_VOTING_OPENED,
        recipients=residents.order_by("pk"),
        subject=gettext_noop("Voting is open: %(process)s"),
        body=gettext_noop(
            "You can now vote on the projects of %(process)s. Your ballot can be changed "
            "until voting closes."
        ),
        params={"process": process.title},
        url=process.get_absolute_url(),
        idempotency_key=f"budgeting.voting_opened:{process.pk}",
        source=process,
    )


def _notify_results_published(process: BudgetProcess) -> None:
    voters = (
        get_user_model()
        .objects.filter(Q(budget_ballots__ballot__process=process), is_active=True)
        .distinct()
    )
    topic_notice_create(
        topic=TOPIC_RESULTS_PUBLISHED,
        recipients=voters.order_by("pk"),
        subject=gettext_noop("Results of %(process)s"),
        body=gettext_noop(
            "The results of %(process)s are published: see which projects will be funded and why."
        ),
        params={"process": process.title},
        url=process.get_absolute_url() + "results/",
        idempotency_key=f"budgeting.results_published:{process.pk}",
        source=process,
    )


def processes_advance_due(*, now: datetime | None = None) -> list[tuple[int, str]]:
    """Move every process whose dates have passed on, one phase at a time.

    Safe to run twice (and concurrently: each step re-checks under the row lock). A step
    whose preconditions fail (projects still waiting for review, say) is logged and left to
    staff. Results are never published by the schedule. Returns (process id, new state).
    """
    now = now or timezone.now()
    moved = []
    candidates = BudgetProcess.objects.filter(
        state__in=[State.DRAFT, State.SUBMISSION, State.REVIEW, State.VOTING, State.RESULTS]
    )
    for process in candidates:
        target = process.scheduled_state(now)
        while target and process.state_rank(target) > process.state_rank():
            nxt = next(
                (
                    s
                    for s in process.next_states()
                    if process.state_rank(s) <= process.state_rank(target)
                ),
                None,
            )
            if nxt is None or nxt == State.RESULTS:
                break
            try:
                process = process_advance(
                    actor=None, process=process, to_state=nxt, note="schedule", now=now
                )
            except ValidationError as error:
                logger.warning(
                    "Budget process %s not moved to %s: %s",
                    process.pk,
                    nxt,
                    "; ".join(error.messages),
                )
                break
            moved.append((process.pk, nxt))
    return moved
