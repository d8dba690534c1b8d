"""Budget processes, their ballots and the audit trail of their phases."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from auditlog.registry import auditlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import Area

MONEY = {"max_digits": 14, "decimal_places": 2}


def frozen_error(process: BudgetProcess, fields: list[str]) -> ValidationError:
    """The message every path (form, admin, API, service) gives for a change to frozen rules."""
    when = date_format(timezone.localtime(process.rules_frozen_at), "DATETIME_FORMAT")
    return ValidationError(
        _(
            "The voting rules of “%(process)s” are frozen since voting opened on %(when)s, so "
            "%(fields)s can no longer change: every ballot must be counted by the rules it "
            "was cast under."
        )
        % {"process": process.title, "when": when, "fields": ", ".join(fields)},
        code="frozen",
    )


class BudgetProcess(models.Model):
    """One round of participatory budgeting, from project submission to implementation.

    ``state`` is the explicit phase; it changes only through ``services.process_advance``,
    which records a ``ProcessTransition``. The dates are the schedule: the beat task moves a
    process on when a date passes, and voting is open only while ``state`` is VOTING *and*
    ``voting_closes`` has not passed (so a late task never keeps voting open).
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft (not public)")
        SUBMISSION = "submission", _("Project submission")
        REVIEW = "review", _("Feasibility review")
        VOTING = "voting", _("Voting")
        CLOSED = "closed", _("Voting closed, counting")
        RESULTS = "results", _("Results published")
        IMPLEMENTATION = "implementation", _("Implementation")

    class TallyRule(models.TextChoices):
        GREEDY = "greedy", _("Greedy: most votes first, while the budget lasts")
        MES = "mes", _("Method of Equal Shares")
        MES_ADD1 = "mes-add1", _("Method of Equal Shares with add-one completion")

    class Precedence(models.TextChoices):
        ONLINE = "online", _("The online ballot stands")
        PAPER = "paper", _("The paper ballot stands")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Run on this portal")
        PABULIB = "pabulib", _("Imported from a Pabulib file")

    # Which state each date opens (the schedule); RESULTS is published by staff.
    DATE_STATES = (
        ("submission_opens", State.SUBMISSION),
        ("review_opens", State.REVIEW),
        ("voting_opens", State.VOTING),
        ("voting_closes", State.CLOSED),
        ("implementation_from", State.IMPLEMENTATION),
    )
    TRANSITIONS = {
        State.DRAFT: (State.SUBMISSION, State.REVIEW),
        State.SUBMISSION: (State.REVIEW,),
        State.REVIEW: (State.VOTING,),
        State.VOTING: (State.CLOSED,),
        State.CLOSED: (State.RESULTS,),
        State.RESULTS: (State.IMPLEMENTATION,),
        State.IMPLEMENTATION: (),
    }
    PUBLIC_STATES = (
        State.SUBMISSION,
        State.REVIEW,
        State.VOTING,
        State.CLOSED,
        State.RESULTS,
        State.IMPLEMENTATION,
    )
    CLOSED_STATES = (State.CLOSED, State.RESULTS, State.IMPLEMENTATION)
    FROZEN_FIELDS = ("tally_rule", "paper_precedence")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(
        _("phase"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    submission_opens = models.DateTimeField(_("project submission opens"), null=True, blank=True)
    review_opens = models.DateTimeField(
        _("feasibility review starts"),
        null=True,
        blank=True,
        help_text=_("Project submission closes at this time."),
    )
    voting_opens = models.DateTimeField(_("voting opens"), null=True, blank=True)
    voting_closes = models.DateTimeField(_("voting closes"), null=True, blank=True)
    results_on = models.DateTimeField(
        _("results announced on"),
        null=True,
        blank=True,
        help_text=_("Shown to residents; staff publish the results themselves."),
    )
    implementation_from = models.DateTimeField(_("implementation starts"), null=True, blank=True)
    tally_rule = models.CharField(
        _("counting rule"),
        max_length=10,
        choices=TallyRule.choices,
        default=TallyRule.MES_ADD1,
        help_text=_("Which rule decides the funded projects. Frozen once voting opens."),
    )
    paper_precedence = models.CharField(
        _("when a resident votes online and on paper"),
        max_length=10,
        choices=Precedence.choices,
        default=Precedence.PAPER,
        help_text=_("Which of the two ballots is counted. Frozen once voting opens."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    rules_frozen_at = models.DateTimeField(_("rules frozen at"), null=True, blank=True)
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.PORTAL
    )
    # The META section of an imported Pabulib file, written back on export.
    pabulib_meta = models.JSONField(_("Pabulib metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("budget process")
        verbose_name_plural = _("budget processes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submission", "review"])
                | Q(rules_frozen_at__isnull=False),
                name="budgeting_process_frozen_from_voting_on",
                violation_error_message=_("Voting rules are frozen from the voting phase on."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("budgeting:process-detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        super().clean()
        dates = [
            (name, getattr(self, name))
            for name in (
                "submission_opens",
                "review_opens",
                "voting_opens",
                "voting_closes",
                "results_on",
                "implementation_from",
            )
        ]
        given = [(name, value) for name, value in dates if value is not None]
        for (earlier, first), (later, second) in pairwise(given):
            if second < first:
                raise ValidationError(
                    {
                        later: _("This date must come after “%(earlier)s”.")
                        % {"earlier": self._meta.get_field(earlier).verbose_name}
                    }
                )
        if self.pk and self.rules_frozen:
            stored = type(self).objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS).first()
            changed = [
                str(self._meta.get_field(name).verbose_name)
                for name in self.FROZEN_FIELDS
                if stored and stored[name] != getattr(self, name)
            ]
            if changed:
                raise frozen_error(self, changed)

    # --- Phases --------------------------------------------------------------------------

    @property
    def rules_frozen(self) -> bool:
        return self.rules_frozen_at is not None

    @property
    def is_public(self) -> bool:
        return self.state != self.State.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.state in self.CLOSED_STATES

    @property
    def results_published(self) -> bool:
        return self.state in (self.State.RESULTS, self.State.IMPLEMENTATION)

    def is_submission_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.SUBMISSION and (
            self.review_opens is None or now < self.review_opens
        )

    def is_voting_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.VOTING and (
            self.voting_closes is None or now < self.voting_closes
        )

    def scheduled_state(self, now: datetime | None = None) -> str | None:
        """The latest phase whose date has passed, or None when no date has passed yet."""
        now = now or timezone.now()
        state = None
        for name, phase in self.DATE_STATES:
            value = getattr(self, name)
            if value is not None and value <= now:
                state = phase
        return state

    def next_states(self) -> tuple[str, ...]:
        return tuple(self.TRANSITIONS[self.State(self.state)])

    def state_rank(self, state: str | None = None) -> int:
        return list(self.State.values).index(state or self.state)

    def pabulib_rule(self) -> str:
        return {"greedy": "greedy", "mes": "equalshares", "mes-add1": "equalshares/add1"}[
            self.tally_rule
        ]


class Ballot(models.Model):
    """What one voter fills in: the city-wide ballot, or the ballot of one district.

    A voter may vote on the city-wide ballot and on the ballot of their home area. The kind,
    budget and limits are the voting rules: frozen once voting opens.
    """

    class Kind(models.TextChoices):
        APPROVAL = "approval", _("Approval: tick up to a number of projects")
        KNAPSACK = "knapsack", _("Knapsack: choose projects within the budget")
        CUMULATIVE = "cumulative", _("Cumulative: share out a number of points")

    FROZEN_FIELDS = (
        "area",
        "kind",
        "budget",
        "max_choices",
        "min_choices",
        "points_total",
        "max_points_per_project",
    )

    process = models.ForeignKey(
        BudgetProcess, verbose_name=_("process"), on_delete=models.CASCADE, related_name="ballots"
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budget_ballots",
        help_text=_("Leave empty for the city-wide ballot."),
    )
    name = models.CharField(
        _("name"), max_length=120, blank=True, help_text=_("Default: the district's name.")
    )
    kind = models.CharField(_("ballot type"), max_length=12, choices=Kind.choices)
    budget = models.DecimalField(
        _("budget"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    max_choices = models.PositiveIntegerField(
        _("most projects a voter may choose"),
        null=True,
        blank=True,
        help_text=_("Required for approval ballots; optional for knapsack ballots."),
    )
    min_choices = models.PositiveIntegerField(_("fewest projects a voter must choose"), default=1)
    points_total = models.PositiveIntegerField(
        _("points each voter shares out"),
        null=True,
        blank=True,
        help_text=_("Cumulative ballots only."),
    )
    max_points_per_project = models.PositiveIntegerField(
        _("most points for one project"),
        null=True,
        blank=True,
        help_text=_("Cumulative ballots only; empty: no limit below the total."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    # Column order of an imported Pabulib file, so that an export puts them back in place.
    pabulib_project_columns = models.JSONField(default=list, blank=True)
    pabulib_vote_columns = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["process", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process"],
                condition=Q(area__isnull=True),
                name="budgeting_ballot_one_citywide_per_process",
                violation_error_message=_("This process already has a city-wide ballot."),
            ),
            models.UniqueConstraint(
                fields=["process", "area"],
                condition=Q(area__isnull=False),
                name="budgeting_ballot_one_per_district",
                violation_error_message=_("This process already has a ballot for this district."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="approval") | Q(max_choices__gte=1),
                name="budgeting_ballot_approval_has_max",
                violation_error_message=_("An approval ballot needs a most-projects limit."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="cumulative") | Q(points_total__gte=1),
                name="budgeting_ballot_cumulative_has_points",
                violation_error_message=_("A cumulative ballot needs a number of points."),
            ),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=models.F("min_choices")),
                name="budgeting_ballot_min_within_max",
                violation_error_message=_(
                    "The fewest projects a voter must choose cannot exceed the most they may."
                ),
            ),
            models.CheckConstraint(
                condition=Q(budget__gt=0), name="budgeting_ballot_budget_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process} · {self.display_name}"

    def get_absolute_url(self) -> str:
        return reverse("budgeting:ballot", kwargs={"slug": self.process.slug, "ballot_id": self.pk})

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        return self.area.name if self.area_id else str(_("City-wide"))

    @property
    def is_citywide(self) -> bool:
        return self.area_id is None

    @property
    def tally_vote_type(self) -> str:
        return "cumulative" if self.kind == self.Kind.CUMULATIVE else "approval"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.kind == self.Kind.APPROVAL and not self.max_choices:
            errors["max_choices"] = _(
                "An approval ballot needs the most projects a voter may tick."
            )
        if self.kind == self.Kind.CUMULATIVE:
            if not self.points_total:
                errors["points_total"] = _("A cumulative ballot needs a number of points.")
            elif self.max_points_per_project and self.max_points_per_project > self.points_total:
                errors["max_points_per_project"] = _(
                    "The most points for one project cannot exceed the points a voter has."
                )
        elif self.points_total or self.max_points_per_project:
            errors["points_total"] = _("Points apply to cumulative ballots only.")
        if self.max_choices is not None and self.min_choices > self.max_choices:
            errors["min_choices"] = _(
                "The fewest projects a voter must choose cannot exceed the most they may."
            )
        if errors:
            raise ValidationError(errors)
        process = self.process if self.process_id else None
        if process is not None and process.rules_frozen:
            if self.pk is None:
                raise frozen_error(process, [str(_("the ballots"))])
            stored = type(self).objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS).first()
            changed = [
                str(self._meta.get_field(name).verbose_name)
                for name in self.FROZEN_FIELDS
                if stored
                and stored[name] != getattr(self, f"{name}_id" if name == "area" else name)
            ]
            if changed:
                raise frozen_error(process, changed)


class ProcessTransition(models.Model):
    """One change of a process's phase: the audit trail of the state machine."""

    process = models.ForeignKey(
        BudgetProcess,
        verbose_name=_("process"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_state = models.CharField(
        _("from"), max_length=20, choices=BudgetProcess.State.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=20, choices=BudgetProcess.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the schedule moved the process on."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.process}: {self.from_state or '—'} → {self.to_state}"


auditlog.register(BudgetProcess, exclude_fields=["updated_at", "pabulib_meta"])
auditlog.register(Ballot, exclude_fields=["pabulib_project_columns", "pabulib_vote_columns"])
