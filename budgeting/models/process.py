"""Budget processes: phases, dates, the state machine, the voting rules."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from auditlog.registry import auditlog
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

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


auditlog.register(BudgetProcess, exclude_fields=["updated_at", "pabulib_meta"])
