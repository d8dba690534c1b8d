"""Tally results: computed once per ballot and rule, stored with the checksum of the input."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgeting.models.ballots import Ballot
from budgeting.models.process import MONEY, BudgetProcess
from budgeting.models.projects import Project


class TallyResult(models.Model):
    """The outcome of one rule on one ballot's counted submissions.

    ``checksum`` is the SHA-256 of the canonical input (projects with their costs, the budget
    and every counted ballot, sorted): computing again on the same input is refused, and
    publishing is refused when the ballots changed after the count.
    """

    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="tallies"
    )
    rule = models.CharField(_("rule"), max_length=10, choices=BudgetProcess.TallyRule.choices)
    checksum = models.CharField(_("input checksum (SHA-256)"), max_length=64)
    budget = models.DecimalField(_("budget"), **MONEY)
    budget_used = models.DecimalField(_("budget used"), max_digits=20, decimal_places=2)
    voter_count = models.PositiveIntegerField(_("ballots counted"))
    voter_budget_increment = models.PositiveIntegerField(
        _("equal-share increment per voter"), null=True, blank=True
    )
    notes = models.JSONField(_("notes"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tally result")
        verbose_name_plural = _("tally results")
        ordering = ["ballot", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "rule"],
                name="budgeting_tally_one_per_ballot_and_rule",
                violation_error_message=_("This rule's result is already stored."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ballot} · {self.get_rule_display()}"


class TallyProjectResult(models.Model):
    """One project's line in a tally: funded or not, and the plain-language reason why."""

    tally = models.ForeignKey(
        TallyResult, verbose_name=_("tally"), on_delete=models.CASCADE, related_name="rows"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="tally_rows"
    )
    selected = models.BooleanField(_("funded"))
    votes = models.DecimalField(_("votes or points"), max_digits=20, decimal_places=4)
    cost = models.DecimalField(_("cost"), **MONEY)
    position = models.PositiveIntegerField(_("funded in step"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    reason = models.TextField(_("reason"))
    # The reason's template and values, so that pages can say it in the reader's language.
    reason_key = models.CharField(max_length=40, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("project result")
        verbose_name_plural = _("project results")
        ordering = ["tally", "position", "-votes", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tally", "project"], name="budgeting_tallyrow_one_per_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {'funded' if self.selected else 'not funded'}"
