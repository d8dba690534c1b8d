"""Projects: put forward by residents (or staff), reviewed for feasibility, voted on."""

from __future__ import annotations

from decimal import Decimal

from auditlog.registry import auditlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgeting.models.ballots import Ballot
from budgeting.models.process import MONEY, BudgetProcess, frozen_error


def project_image_path(instance: Project, filename: str) -> str:
    # The name is chosen by the service (random); never the resident's file name.
    return f"budgeting/projects/{filename}"


class Project(models.Model):
    class Feasibility(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        FEASIBLE = "feasible", _("Feasible")
        NOT_FEASIBLE = "not_feasible", _("Not feasible")

    FROZEN_FIELDS = ("ballot", "estimated_cost", "final_cost", "feasibility")

    process = models.ForeignKey(
        BudgetProcess,
        verbose_name=_("process"),
        on_delete=models.CASCADE,
        related_name="projects",
    )
    ballot = models.ForeignKey(
        Ballot,
        verbose_name=_("ballot"),
        on_delete=models.PROTECT,
        related_name="projects",
        help_text=_("The city-wide ballot or the ballot of the project's district."),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), max_length=10000, blank=True)
    image = models.ImageField(_("image"), upload_to=project_image_path, blank=True)
    image_description = models.CharField(
        _("image description"),
        max_length=250,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    estimated_cost = models.DecimalField(
        _("estimated cost"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_projects",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    # Set when the resident who put the project forward deleted their account: a reviewed
    # project stays (staff decided on it in public, voters may have chosen it), shown as by
    # "Deleted resident" and not as the council's own (services.personal_data).
    submitter_deleted = models.BooleanField(_("put forward by a deleted account"), default=False)
    feasibility = models.CharField(
        _("feasibility"),
        max_length=20,
        choices=Feasibility.choices,
        default=Feasibility.PENDING,
        db_index=True,
    )
    feasibility_reason = models.TextField(
        _("public reason"),
        blank=True,
        max_length=4000,
        help_text=_("Shown to everyone; required when the project is not feasible."),
    )
    final_cost = models.DecimalField(
        _("final cost"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The council's cost estimate after review; the ballot uses it."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # The project's id and other columns in an imported Pabulib file.
    pabulib_id = models.CharField(_("Pabulib project id"), max_length=64, blank=True)
    pabulib_extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["ballot__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "pabulib_id"],
                condition=~Q(pabulib_id=""),
                name="budgeting_project_pabulib_id_unique_per_ballot",
            ),
            models.CheckConstraint(
                condition=~Q(feasibility="not_feasible") | ~Q(feasibility_reason=""),
                name="budgeting_project_not_feasible_has_reason",
                violation_error_message=_("Give the public reason why it is not feasible."),
            ),
            models.CheckConstraint(
                condition=Q(feasibility="pending") | Q(reviewed_at__isnull=False),
                name="budgeting_project_reviewed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(submitter_deleted=False) | Q(submitted_by__isnull=True),
                name="budgeting_project_deleted_submitter_unlinked",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "budgeting:project-detail", kwargs={"slug": self.process.slug, "pk": self.pk}
        )

    @property
    def submitter_name(self) -> str:
        """Who put the project forward, as residents read it: never an email address."""
        if self.submitted_by_id is not None:
            return self.submitted_by.public_name
        if self.submitter_deleted:
            return str(_("Deleted resident"))
        return str(_("The council"))

    @property
    def cost(self) -> Decimal:
        """What the project costs on the ballot: the reviewed cost, else the estimate."""
        return self.final_cost if self.final_cost is not None else self.estimated_cost

    @property
    def is_feasible(self) -> bool:
        return self.feasibility == self.Feasibility.FEASIBLE

    @property
    def tally_id(self) -> str:
        """The project's id in tallies and Pabulib files."""
        return self.pabulib_id or str(self.pk)

    def clean(self) -> None:
        super().clean()
        if self.ballot_id and self.process_id and self.ballot.process_id != self.process_id:
            raise ValidationError({"ballot": _("Choose a ballot of this project's process.")})
        if self.feasibility == self.Feasibility.NOT_FEASIBLE and not self.feasibility_reason:
            raise ValidationError(
                {"feasibility_reason": _("Give the public reason why it is not feasible.")}
            )
        if self.process_id and self.process.rules_frozen:
            if self.pk is None:
                raise frozen_error(self.process, [str(_("the projects on the ballot"))])
            stored = type(self).objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS).first()
            changed = [
                str(self._meta.get_field(name).verbose_name)
                for name in self.FROZEN_FIELDS
                if stored
                and stored[name] != getattr(self, f"{name}_id" if name == "ballot" else name)
            ]
            if changed:
                raise frozen_error(self.process, changed)


auditlog.register(Project, exclude_fields=["pabulib_extra"])
