"""Phase changes of a budget process: the audit trail of its state machine."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgeting.models.process import BudgetProcess


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
