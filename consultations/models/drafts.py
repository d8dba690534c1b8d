"""Draft documents residents comment on, paragraph by paragraph, and the council's report.

Paragraphs are registered with the participation core (``targets.register``), so their
comments, replies (staff reply there too) and reports are the core's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DraftDocument(models.Model):
    consultation = models.ForeignKey(
        "consultations.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="drafts",
    )
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("draft document")
        verbose_name_plural = _("draft documents")
        ordering = ["consultation", "order", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:draft-detail", args=[self.consultation.slug, self.pk])


class Section(models.Model):
    draft = models.ForeignKey(
        DraftDocument, verbose_name=_("draft"), on_delete=models.CASCADE, related_name="sections"
    )
    title = models.CharField(_("heading"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["draft", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Paragraph(models.Model):
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="paragraphs"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("text"), help_text=_("Markdown."))

    class Meta:
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 80 else text[:79] + "…"

    def get_absolute_url(self) -> str:
        return reverse("consultations:paragraph-detail", args=[self.pk])


class ResponseReport(models.Model):
    """What the council heard and what it changed; public once published."""

    consultation = models.OneToOneField(
        "consultations.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="report",
    )
    body = models.TextField(
        _("report"),
        help_text=_("Markdown. Say what residents said and what changed because of it."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("response report")
        verbose_name_plural = _("response reports")

    def __str__(self) -> str:
        return _("Response report on %(consultation)s") % {"consultation": self.consultation}
