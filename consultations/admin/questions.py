"""A question with its choices and its condition; frozen once the consultation has a response."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations.admin.common import (
    QuestionnaireInlineMixin,
    StaffOnlyMixin,
    frozen_message,
    questions_frozen,
)
from consultations.models import Choice, Consultation, Question


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "consultation",
            "order",
            "text",
            "help_text",
            "kind",
            "required",
            "allow_other",
            "max_length",
            "rating_min",
            "rating_max",
            "rating_min_label",
            "rating_max_label",
            "allow_comment",
            "depends_on",
            "depends_on_choices",
            "depends_on_answer",
        ]

    def clean(self):
        cleaned = super().clean()
        consultation = cleaned.get("consultation") or getattr(self.instance, "consultation", None)
        if consultation is not None and consultation.pk and consultation.questions_frozen:
            raise ValidationError(frozen_message(consultation))
        trigger = cleaned.get("depends_on")
        wanted = cleaned.get("depends_on_choices")
        if trigger is not None and trigger.kind != Question.Kind.YES_NO:
            if not wanted:
                self.add_error(
                    "depends_on_choices",
                    gettext("Choose the choices of “%(question)s” that show this question.")
                    % {"question": trigger.text},
                )
            elif any(choice.question_id != trigger.pk for choice in wanted):
                self.add_error(
                    "depends_on_choices",
                    gettext("Choose only choices of “%(question)s”.") % {"question": trigger.text},
                )
        elif wanted:
            self.add_error(
                "depends_on_choices",
                gettext("Only for a condition on a single- or multiple-choice question."),
            )
        return cleaned


class ChoiceInline(QuestionnaireInlineMixin, admin.TabularInline):
    model = Choice
    extra = 3
    fields = ("order", "label")

    def consultation_of(self, obj) -> Consultation:
        return obj.consultation  # the page is a question's


@admin.register(Question)
class QuestionAdmin(StaffOnlyMixin, admin.ModelAdmin):
    form = QuestionForm
    list_display = ("text", "consultation", "order", "kind", "required", "depends_on")
    list_filter = ("kind", "consultation")
    list_select_related = ("consultation", "depends_on")
    search_fields = ("text",)
    autocomplete_fields = ()
    filter_horizontal = ("depends_on_choices",)
    inlines = [ChoiceInline]
    fieldsets = (
        (None, {"fields": ("consultation", "order", "text", "help_text", "kind", "required")}),
        (
            _("Type settings"),
            {
                "fields": (
                    "allow_other",
                    "max_length",
                    "rating_min",
                    "rating_max",
                    "rating_min_label",
                    "rating_max_label",
                    "allow_comment",
                ),
                "description": _("Only the settings of the question's type are used."),
            },
        ),
        (
            _("Conditional display"),
            {
                "fields": ("depends_on", "depends_on_choices", "depends_on_answer"),
                "description": _(
                    "Show this question only when an earlier, always-shown question is "
                    "answered with one of the chosen choices (or the chosen yes/no)."
                ),
            },
        ),
    )

    def _frozen(self, request, obj) -> bool:
        return obj is not None and questions_frozen(request, obj.consultation)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if self._frozen(request, obj):
            if request.method == "POST":
                messages.error(request, frozen_message(obj.consultation))
                raise PermissionDenied(frozen_message(obj.consultation))
            messages.warning(request, frozen_message(obj.consultation))
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "depends_on_choices":
            kwargs["queryset"] = Choice.objects.select_related("question").filter(
                question__kind__in=[Question.Kind.SINGLE, Question.Kind.MULTIPLE]
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
