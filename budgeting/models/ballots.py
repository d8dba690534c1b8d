"""Ballots: what one voter fills in, by kind, budget and limits (the voting rules)."""

from __future__ import annotations

from decimal import Decimal

from auditlog.registry import auditlog
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from budgeting.models.process import MONEY, BudgetProcess, frozen_error
from civicportal.accounts.models import Area


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


auditlog.register(Ballot, exclude_fields=["pabulib_project_columns", "pabulib_vote_columns"])
