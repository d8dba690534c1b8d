"""The periodic forwarding of the most supported ideas to the council."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ForwardingRound(models.Model):
    """One period's forwarding of the top ideas; the unique period makes a rerun a no-op."""

    period = models.CharField(_("period"), max_length=10, unique=True)
    created_at = models.DateTimeField(_("run at"), default=timezone.now)
    idea_count = models.PositiveIntegerField(_("ideas forwarded"), default=0)

    class Meta:
        verbose_name = _("forwarding round")
        verbose_name_plural = _("forwarding rounds")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.period
