"""Responses and their answers.

One response per resident and consultation, and one per browser for anonymous answers:
both are unique constraints. Answers are rows per question: one row for single choice,
free text, rating and yes/no; one row per chosen item for multiple choice (plus a row
without a choice for the "Other" text) and per ranked item for ranking (``number`` is the
rank, 1 first). Answering again replaces the rows (``services.response_submit``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Response(models.Model):
    consultation = models.ForeignKey(
        "consultations.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="responses",
    )
    # Null for anonymous responses, and once the resident deleted their account: the
    # answers keep counting, linked to nobody.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_responses",
    )
    # NULL (not ""), so the unique (consultation, anon_token) ignores signed-in responses.
    anon_token = models.CharField(  # noqa: DJ001
        _("browser token"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("Anonymous responses: a random token kept in a signed cookie of the browser."),
    )
    created_at = models.DateTimeField(_("first sent at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)
    revision = models.PositiveIntegerField(_("times sent"), default=1)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["consultation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"],
                name="consultations_response_one_per_resident",
                violation_error_message=_("You have already answered this consultation."),
            ),
            models.UniqueConstraint(
                fields=["consultation", "anon_token"],
                name="consultations_response_one_per_browser",
                violation_error_message=_("This browser has already answered this consultation."),
            ),
        ]

    def __str__(self) -> str:
        return _("Response #%(id)s to %(consultation)s") % {
            "id": self.pk,
            "consultation": self.consultation_id,
        }


class Answer(models.Model):
    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    # RESTRICT: a question or choice with answers cannot be deleted on its own, only with
    # its whole consultation.
    question = models.ForeignKey(
        "consultations.Question",
        verbose_name=_("question"),
        on_delete=models.RESTRICT,
        related_name="answers",
    )
    choice = models.ForeignKey(
        "consultations.Choice",
        verbose_name=_("choice"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="answers",
    )
    text = models.TextField(_("text"), blank=True)
    number = models.IntegerField(_("number"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(choice__isnull=True),
                name="consultations_answer_one_plain_per_question",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "choice"],
                condition=Q(choice__isnull=False),
                name="consultations_answer_one_per_choice",
            ),
        ]
        indexes = [
            # The results' GROUP BY reads this index only.
            models.Index(
                fields=["question", "choice", "number"], name="consultations_answer_count_idx"
            ),
            # The latest written answers of a question (results page, paginated list).
            models.Index(
                fields=["question", "-id"],
                condition=~Q(text=""),
                name="consultations_answer_text_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice_id or self.number or self.text[:40]}"
