"""What the source links bring: anonymous visit counters, and residents' participations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SOURCE_MAX_LENGTH = 32


class SourceVisit(models.Model):
    """How many page views arrived through ``?via=<source>`` on a day.

    A counter only: nothing about the visitor (no address, no browser, no cookie) is kept.
    """

    day = models.DateField(_("day"))
    source = models.CharField(_("source"), max_length=SOURCE_MAX_LENGTH)
    count = models.PositiveIntegerField(_("visits"), default=0)

    class Meta:
        ordering = ["-day", "source"]
        verbose_name = _("visits from a source")
        verbose_name_plural = _("visits from sources")
        constraints = [
            models.UniqueConstraint(fields=["day", "source"], name="audience_visit_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.source}: {self.count}"


class Participation(models.Model):
    """A resident took part (signed up, posted an idea, voted, answered...) on a day, having
    come through ``source`` ("" for no source link). Once per kind, source and day: a double
    submit counts once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="audience_participations",
        verbose_name=_("resident"),
    )
    module = models.CharField(_("module"), max_length=40)
    action = models.CharField(_("action"), max_length=40)
    source = models.CharField(_("source"), max_length=SOURCE_MAX_LENGTH, blank=True)
    day = models.DateField(_("day"))

    class Meta:
        ordering = ["-day", "module", "action"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module", "action", "source", "day"],
                name="audience_participation_once_a_day",
            ),
        ]
        indexes = [models.Index(fields=["day", "source"], name="audience_part_day_source")]

    def __str__(self) -> str:
        return f"{self.day} {self.module}/{self.action} via {self.source or '-'}"
