"""Voluntary profile questions (age band, district, and any the council adds), residents'
answers, and the population figures the council holds them against."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import Area

AGE_BAND = "age-band"
DISTRICT = "district"

# The built-in questions' wording lives in code so that it is translated; a label the
# council types into the admin for its own questions is shown as typed.
BUILT_IN_LABELS = {
    AGE_BAND: _("Your age band"),
    DISTRICT: _("The district you live in"),
}
BUILT_IN_CHOICE_LABELS = {
    (AGE_BAND, "under-18"): _("Under 18"),
    (AGE_BAND, "18-24"): _("18 to 24"),
    (AGE_BAND, "25-34"): _("25 to 34"),
    (AGE_BAND, "35-44"): _("35 to 44"),
    (AGE_BAND, "45-54"): _("45 to 54"),
    (AGE_BAND, "55-64"): _("55 to 64"),
    (AGE_BAND, "65-74"): _("65 to 74"),
    (AGE_BAND, "75-plus"): _("75 or over"),
}


class ProfileQuestion(models.Model):
    class Kind(models.TextChoices):
        CHOICES = "choices", _("One of the choices below")
        AREAS = "areas", _("One of the portal's areas")

    key = models.SlugField(_("key"), max_length=40, unique=True)
    label = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("answers"), max_length=10, choices=Kind, default=Kind.CHOICES)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(
        _("asked"), default=True, help_text=_("Only active questions are asked and shown.")
    )
    built_in = models.BooleanField(_("built in"), default=False, editable=False)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("profile question")
        verbose_name_plural = _("profile questions")

    def __str__(self) -> str:
        return str(self.display_label)

    @property
    def display_label(self):
        return BUILT_IN_LABELS.get(self.key, self.label) if self.built_in else self.label


class ProfileChoice(models.Model):
    question = models.ForeignKey(
        ProfileQuestion,
        on_delete=models.CASCADE,
        related_name="choices",
        verbose_name=_("question"),
    )
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="audience_choice_key_unique"),
        ]

    def __str__(self) -> str:
        return str(self.display_label)

    @property
    def display_label(self):
        return BUILT_IN_CHOICE_LABELS.get((self.question.key, self.key), self.label)


class ProfileAnswer(models.Model):
    """A resident's answer to one question: a choice, an area, or "prefer not to say"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="audience_answers",
        verbose_name=_("resident"),
    )
    question = models.ForeignKey(
        ProfileQuestion,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("question"),
    )
    choice = models.ForeignKey(
        ProfileChoice, on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, null=True, blank=True, related_name="audience_answers"
    )
    declined = models.BooleanField(_("prefers not to say"), default=False)
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("profile answer")
        verbose_name_plural = _("profile answers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "question"], name="audience_answer_one_per_question"
            ),
            # Exactly one of: a choice, an area, "prefer not to say".
            models.CheckConstraint(
                condition=(
                    Q(choice__isnull=False, area__isnull=True, declined=False)
                    | Q(choice__isnull=True, area__isnull=False, declined=False)
                    | Q(choice__isnull=True, area__isnull=True, declined=True)
                ),
                name="audience_answer_exactly_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.key}: {self.value_label}"

    @property
    def value_label(self):
        if self.declined:
            return _("Prefer not to say")
        return str(self.choice.display_label if self.choice_id else self.area)


class ProfileQuestionsAsked(models.Model):
    """The resident was shown the questions once after signing up (answered or skipped), so
    they are not asked again."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="audience_questions_asked",
        verbose_name=_("resident"),
    )
    asked_at = models.DateTimeField(_("asked at"))
    skipped = models.BooleanField(_("skipped"), default=False)

    class Meta:
        verbose_name = _("profile questions asked")
        verbose_name_plural = _("profile questions asked")

    def __str__(self) -> str:
        return str(self.user_id)


class PopulationFigure(models.Model):
    """How many people of the council's population are in a choice (or area) of a question,
    as the council knows it (census, register), with where the figure comes from."""

    question = models.ForeignKey(
        ProfileQuestion,
        on_delete=models.CASCADE,
        related_name="population_figures",
        verbose_name=_("question"),
    )
    choice = models.ForeignKey(
        ProfileChoice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="population_figures",
        verbose_name=_("choice"),
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audience_population_figures",
        verbose_name=_("area"),
    )
    count = models.PositiveIntegerField(_("people"))
    as_of = models.DateField(_("as of"), null=True, blank=True)
    source_note = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("e.g. National census 2021")
    )

    class Meta:
        ordering = ["question", "choice__order", "area__name"]
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "choice"],
                condition=Q(choice__isnull=False),
                name="audience_population_one_per_choice",
                violation_error_message=_("This choice has a population figure already."),
            ),
            models.UniqueConstraint(
                fields=["question", "area"],
                condition=Q(area__isnull=False),
                name="audience_population_one_per_area",
                violation_error_message=_("This area has a population figure already."),
            ),
            models.CheckConstraint(
                condition=Q(choice__isnull=False, area__isnull=True)
                | Q(choice__isnull=True, area__isnull=False),
                name="audience_population_choice_or_area",
            ),
        ]

    def __str__(self) -> str:
        target = self.choice.display_label if self.choice_id else self.area
        return f"{self.question}: {target} = {self.count}"

    def clean(self) -> None:
        """A figure is for a choice of its own question, or for an area when the question's
        answers are the areas: the admin says which, rather than failing on a constraint."""
        if self.question_id is None:
            return
        if self.question.kind == ProfileQuestion.Kind.AREAS:
            if self.area_id is None or self.choice_id is not None:
                raise ValidationError(
                    {"area": _("This question is answered with an area: choose the area.")}
                )
        elif self.choice_id is None or self.area_id is not None:
            raise ValidationError({"choice": _("Choose one of this question's choices.")})
        elif self.choice.question_id != self.question_id:
            raise ValidationError({"choice": _("This choice belongs to another question.")})
