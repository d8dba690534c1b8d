"""The questionnaire: ordered questions of six kinds, their choices, conditional display.

A question may be shown only when an earlier answer is one of given choices (or a given
yes/no): ``depends_on`` names that earlier question, which must itself always be shown, so
every questionnaire needs at most two steps without JavaScript. Questions are frozen once
the consultation has a response (``Consultation.questions_frozen``); the admin refuses
changes then and offers to copy the consultation as a new version.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Deferrable, F, Q
from django.utils.translation import gettext_lazy as _

TEXT_MAX_LENGTH_LIMIT = 10000


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TEXT = "text", _("Free text")
        RATING = "rating", _("Rating scale")
        RANKING = "ranking", _("Ranking")
        YES_NO = "yes_no", _("Yes or no")

    class YesNo(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")

    CHOICE_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE, Kind.RANKING})
    TRIGGER_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE, Kind.YES_NO})

    consultation = models.ForeignKey(
        "consultations.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("explanation"), max_length=1000, blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("an answer is required"), default=False)
    allow_other = models.BooleanField(
        _("offer “Other” with a text box"),
        default=False,
        help_text=_("Multiple choice only."),
    )
    allow_comment = models.BooleanField(
        _("offer a comment box"), default=False, help_text=_("Yes/no only.")
    )
    max_length = models.PositiveIntegerField(
        _("longest answer (characters)"),
        default=2000,
        help_text=_("Free text, the “Other” text and yes/no comments."),
    )
    rating_min = models.SmallIntegerField(_("lowest rating"), default=1)
    rating_max = models.SmallIntegerField(_("highest rating"), default=5)
    rating_min_label = models.CharField(
        _("label of the lowest rating"), max_length=60, blank=True, help_text=_("e.g. “Poor”")
    )
    rating_max_label = models.CharField(
        _("label of the highest rating"), max_length=60, blank=True, help_text=_("e.g. “Excellent”")
    )
    depends_on = models.ForeignKey(
        "self",
        verbose_name=_("show only after an answer to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dependants",
    )
    depends_on_choices = models.ManyToManyField(
        "consultations.Choice",
        verbose_name=_("... when one of these choices is chosen"),
        blank=True,
        related_name="shows_questions",
    )
    depends_on_answer = models.CharField(
        _("... when the yes/no answer is"), max_length=3, choices=YesNo.choices, blank=True
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["consultation", "order", "id"]
        constraints = [
            # Deferred, so the admin can swap two questions' places in one save.
            models.UniqueConstraint(
                fields=["consultation", "order"],
                name="consultations_question_one_per_place",
                deferrable=Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=Q(rating_max__gt=F("rating_min")),
                name="consultations_question_rating_range",
                violation_error_message=_("The highest rating must be above the lowest."),
            ),
            models.CheckConstraint(
                condition=Q(max_length__gte=1) & Q(max_length__lte=TEXT_MAX_LENGTH_LIMIT),
                name="consultations_question_max_length_range",
            ),
            models.CheckConstraint(
                condition=Q(depends_on__isnull=True) | ~Q(depends_on=F("id")),
                name="consultations_question_not_own_condition",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"

    @property
    def is_conditional(self) -> bool:
        return self.depends_on_id is not None

    @property
    def has_choices(self) -> bool:
        return self.kind in self.CHOICE_KINDS

    @property
    def rating_values(self) -> list[int]:
        return list(range(self.rating_min, self.rating_max + 1))

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.rating_max is not None and self.rating_min is not None:
            if self.kind == self.Kind.RATING and self.rating_max <= self.rating_min:
                errors.setdefault("rating_max", []).append(
                    _("The highest rating must be above the lowest.")
                )
            if self.kind == self.Kind.RATING and self.rating_max - self.rating_min > 10:
                errors.setdefault("rating_max", []).append(
                    _("A rating scale can have at most 11 points.")
                )
        if self.allow_other and self.kind != self.Kind.MULTIPLE:
            errors.setdefault("allow_other", []).append(
                _("Only multiple-choice questions offer “Other”.")
            )
        if self.allow_comment and self.kind != self.Kind.YES_NO:
            errors.setdefault("allow_comment", []).append(
                _("Only yes/no questions offer a comment box.")
            )
        if self.max_length and self.max_length > TEXT_MAX_LENGTH_LIMIT:
            errors.setdefault("max_length", []).append(
                _("Answers can be at most %(max)s characters long.")
                % {"max": TEXT_MAX_LENGTH_LIMIT}
            )
        trigger = self.depends_on
        if trigger is not None:
            if trigger.consultation_id != self.consultation_id:
                errors.setdefault("depends_on", []).append(
                    _("Choose a question of the same consultation.")
                )
            elif trigger.depends_on_id is not None:
                errors.setdefault("depends_on", []).append(
                    _("That question is itself conditional; choose one that is always shown.")
                )
            elif trigger.kind not in self.TRIGGER_KINDS:
                errors.setdefault("depends_on", []).append(
                    _("Only single-choice, multiple-choice and yes/no questions can show others.")
                )
            elif (trigger.order, trigger.pk or 0) >= (self.order, self.pk or 10**12):
                errors.setdefault("depends_on", []).append(
                    _("That question comes after this one; choose an earlier question.")
                )
            if trigger.kind == self.Kind.YES_NO and not self.depends_on_answer:
                errors.setdefault("depends_on_answer", []).append(
                    _("Say which answer (yes or no) shows this question.")
                )
            if trigger.kind != self.Kind.YES_NO and self.depends_on_answer:
                errors.setdefault("depends_on_answer", []).append(
                    _("Only for a yes/no question; choose its choices instead.")
                )
        elif self.depends_on_answer:
            errors.setdefault("depends_on_answer", []).append(
                _("Choose the question this one depends on first.")
            )
        if errors:
            raise ValidationError(errors)


class Choice(models.Model):
    """One option of a single-choice, multiple-choice or ranking question."""

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    label = models.CharField(_("label"), max_length=300)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.label
