"""The questionnaire as a Django form: one or more fields per question.

The fields are lenient (nothing required, no length limit): the service checks the answers
(``services.answers_clean``), so the page, the API and the two-step page without
JavaScript give the same messages. Each question's errors are shown beside it.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations.models import Question

Kind = Question.Kind


def _name(question: Question, suffix: str = "") -> str:
    return f"q{question.pk}{suffix}"


class QuestionnaireForm(forms.Form):
    # The conditional questions the resident has been shown (ids, comma separated). The
    # server shows a second step when the answers reveal a question not shown yet.
    shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self._add_fields(question)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not widget.is_hidden:
                widget.attrs.setdefault("class", "form-control")
        for question in questions:
            if question.kind == Kind.TEXT:
                self.fields[_name(question)].widget.attrs["aria-labelledby"] = (
                    f"question-{question.pk}-legend"
                )

    def _add_fields(self, question: Question) -> None:
        name = _name(question)
        label = question.text
        kind = question.kind
        if kind == Kind.SINGLE:
            self.fields[name] = forms.ChoiceField(
                label=label,
                required=False,
                widget=forms.RadioSelect,
                choices=[(str(c.pk), c.label) for c in question.choices.all()],
            )
        elif kind == Kind.MULTIPLE:
            self.fields[name] = forms.MultipleChoiceField(
                label=label,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(str(c.pk), c.label) for c in question.choices.all()],
            )
            if question.allow_other:
                self.fields[_name(question, "_other")] = forms.CharField(
                    label=gettext_lazy("Other (say what)"),
                    required=False,
                    strip=False,
                    widget=forms.TextInput(attrs={"maxlength": question.max_length}),
                )
        elif kind == Kind.TEXT:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": question.max_length}),
            )
        elif kind == Kind.RATING:
            choices = []
            for value in question.rating_values:
                text = str(value)
                if value == question.rating_min and question.rating_min_label:
                    text = f"{value} ({question.rating_min_label})"
                elif value == question.rating_max and question.rating_max_label:
                    text = f"{value} ({question.rating_max_label})"
                choices.append((str(value), text))
            self.fields[name] = forms.ChoiceField(
                label=label, required=False, widget=forms.RadioSelect, choices=choices
            )
        elif kind == Kind.RANKING:
            items = list(question.choices.all())
            places = [("", _("No place"))] + [(str(i), str(i)) for i in range(1, len(items) + 1)]
            for choice in items:
                self.fields[_name(question, f"_rank_{choice.pk}")] = forms.ChoiceField(
                    label=choice.label, required=False, choices=places
                )
        elif kind == Kind.YES_NO:
            self.fields[name] = forms.ChoiceField(
                label=label,
                required=False,
                widget=forms.RadioSelect,
                choices=Question.YesNo.choices,
            )
            if question.allow_comment:
                self.fields[_name(question, "_comment")] = forms.CharField(
                    label=gettext_lazy("Comment"),
                    required=False,
                    strip=False,
                    widget=forms.Textarea(attrs={"rows": 3, "maxlength": question.max_length}),
                )

    @classmethod
    def initial_from_answers(cls, questions: list[Question], answers: dict) -> dict:
        """Initial values of the fields from answers in the service's format."""
        initial = {}
        for question in questions:
            raw = answers.get(question.pk) or {}
            name = _name(question)
            if question.kind == Kind.SINGLE and raw.get("choice"):
                initial[name] = str(raw["choice"])
            elif question.kind == Kind.MULTIPLE:
                initial[name] = [str(c) for c in raw.get("choices", [])]
                initial[_name(question, "_other")] = raw.get("other", "")
            elif question.kind == Kind.TEXT:
                initial[name] = raw.get("text", "")
            elif question.kind == Kind.RATING and raw.get("value") is not None:
                initial[name] = str(raw["value"])
            elif question.kind == Kind.RANKING:
                for place, choice_id in enumerate(raw.get("order", []), start=1):
                    initial[_name(question, f"_rank_{choice_id}")] = str(place)
            elif question.kind == Kind.YES_NO and raw.get("value"):
                initial[name] = raw["value"]
                initial[_name(question, "_comment")] = raw.get("comment", "")
        return initial

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            if question.kind != Kind.RANKING:
                continue
            places = {
                choice: cleaned.get(_name(question, f"_rank_{choice.pk}")) or ""
                for choice in question.choices.all()
            }
            given = [p for p in places.values() if p]
            if not given:
                continue
            if len(set(given)) != len(given):
                self.add_error(
                    self.primary_field(question),
                    _("Give each item a different place, from 1 to %(count)s.")
                    % {"count": len(places)},
                )
            elif len(given) != len(places):
                missing = next(c for c, p in places.items() if not p)
                self.add_error(
                    self.primary_field(question),
                    _("Give every item a place: “%(item)s” has none yet.")
                    % {"item": missing.label},
                )
        return cleaned

    def primary_field(self, question: Question) -> str:
        """The field that carries the question's errors."""
        if question.kind == Kind.RANKING:
            first = next(iter(question.choices.all()), None)
            return _name(question, f"_rank_{first.pk}") if first else None
        return _name(question)

    def shown_ids(self) -> set[int]:
        value = self.cleaned_data.get("shown", "") if hasattr(self, "cleaned_data") else ""
        return {int(p) for p in value.split(",") if p.strip().isdigit()}

    def answers(self) -> dict[int, dict]:
        """The answers typed, in the service's format (after ``is_valid()``)."""
        data = self.cleaned_data
        result: dict[int, dict] = {}
        for question in self.questions:
            name = _name(question)
            kind = question.kind
            if kind == Kind.SINGLE:
                result[question.pk] = {"choice": data.get(name) or None}
            elif kind == Kind.MULTIPLE:
                result[question.pk] = {
                    "choices": list(data.get(name) or []),
                    "other": data.get(_name(question, "_other"), ""),
                }
            elif kind == Kind.TEXT:
                result[question.pk] = {"text": data.get(name, "")}
            elif kind == Kind.RATING:
                result[question.pk] = {"value": data.get(name) or None}
            elif kind == Kind.RANKING:
                places = sorted(
                    (int(place), choice.pk)
                    for choice in question.choices.all()
                    if (place := data.get(_name(question, f"_rank_{choice.pk}")))
                )
                result[question.pk] = {"order": [pk for _place, pk in places]}
            elif kind == Kind.YES_NO:
                result[question.pk] = {
                    "value": data.get(name) or None,
                    "comment": data.get(_name(question, "_comment"), ""),
                }
        return result

    def add_service_errors(self, error: ValidationError) -> None:
        by_name = {_name(q): q for q in self.questions}
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            question = by_name.get(key)
            field = self.primary_field(question) if question else None
            self.add_error(field if field in self.fields else None, errors)

    def question_errors(self, question: Question) -> list[str]:
        errors = []
        for name in self.fields:
            if name == _name(question) or name.startswith(_name(question, "_")):
                errors.extend(self.errors.get(name, []))
        return errors
