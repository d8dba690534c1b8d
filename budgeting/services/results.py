"""Counting: every rule on every ballot, stored once with the checksum of its input."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgeting.models import BudgetProcess, TallyProjectResult, TallyResult
from budgeting.selectors import ballot_tally_input
from budgeting.services.common import require_perm
from budgeting.tallies import RULES, tally
from civicportal.kernel.progress import NO_PROGRESS, Progress

CENT = Decimal("0.01")


def _decimal(value, places: Decimal = CENT) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


@transaction.atomic
def results_compute(
    *, actor, process: BudgetProcess, progress: Progress = NO_PROGRESS
) -> list[TallyResult]:
    """Count every ballot of a closed process under every rule, and store the results.

    Each (ballot, rule) result is stored once, with the SHA-256 of its input. Computing
    again is refused when no ballot changed since; when paper ballots were entered after the
    count, the ballots whose input changed are counted again (before publication only).
    ``actor`` None is the system (the Pabulib import). Locks the process row.
    ``progress`` (``civicportal.kernel.progress``) counts one unit per ballot and rule; a
    background job's progress may raise JobCancelled, which rolls every result back.
    """
    if actor is not None:
        require_perm(
            actor,
            "budgeting.compute_results",
            process,
            _("Only budget officers can compute results, once voting has closed."),
        )
    locked = BudgetProcess.objects.select_for_update().get(pk=process.pk)
    if locked.state != BudgetProcess.State.CLOSED:
        raise ValidationError(
            _("Results are computed once voting has closed and before they are published.")
        )
    stored: list[TallyResult] = []
    changed = False
    ballots = list(locked.ballots.select_related("area").order_by("order", "id"))
    progress.total(len(ballots) * len(RULES))
    rule_names = dict(BudgetProcess.TallyRule.choices)
    for ballot in ballots:
        ballot.process = locked
        progress.advance(0, message=_("%(ballot)s: reading the ballots") % {"ballot": ballot})
        tally_input = ballot_tally_input(ballot=ballot)
        existing = {t.rule: t for t in TallyResult.objects.filter(ballot=ballot)}
        if set(existing) == set(RULES) and all(
            t.checksum == tally_input.checksum for t in existing.values()
        ):
            stored.extend(existing[rule] for rule in RULES)
            progress.advance(len(RULES))
            continue
        changed = True
        TallyResult.objects.filter(ballot=ballot).delete()
        for rule in RULES:
            progress.advance(
                0,
                message=_("%(ballot)s: counting by %(rule)s")
                % {"ballot": ballot, "rule": rule_names.get(rule, rule)},
            )
            stored.append(_store(actor=actor, tally_input=tally_input, rule=rule))
            progress.advance(1)
    if not changed:
        first = min(stored, key=lambda t: t.computed_at) if stored else None
        raise ValidationError(
            _(
                "The results are already computed from exactly these ballots (checksum "
                "%(checksum)s…, %(when)s); nothing has changed since."
            )
            % {
                "checksum": first.checksum[:12] if first else "",
                "when": timezone.localtime(first.computed_at).strftime("%Y-%m-%d %H:%M")
                if first
                else "",
            },
            code="unchanged",
        )
    return stored


def _store(*, actor, tally_input, rule: str) -> TallyResult:
    result = tally(tally_input.instance, tally_input.profile, rule)
    tally_row = TallyResult.objects.create(
        ballot=tally_input.ballot,
        rule=rule,
        checksum=tally_input.checksum,
        budget=tally_input.ballot.budget,
        budget_used=_decimal(result.budget_used),
        voter_count=len(tally_input.profile.ballots),
        voter_budget_increment=result.voter_budget_increment,
        notes=list(result.notes),
        computed_by=actor,
    )
    TallyProjectResult.objects.bulk_create(
        TallyProjectResult(
            tally=tally_row,
            project=tally_input.projects[outcome.project_id],
            selected=outcome.funded,
            votes=_decimal(outcome.votes, Decimal("0.0001")),
            cost=_decimal(outcome.cost),
            position=outcome.position,
            stage=outcome.stage,
            reason=outcome.reason,
            reason_key=getattr(outcome, "reason_key", ""),
            reason_params=getattr(outcome, "reason_params", {}),
        )
        for outcome in result.outcomes.values()
    )
    return tally_row
