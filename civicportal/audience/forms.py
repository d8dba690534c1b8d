"""Forms of who takes part: the profile questions, and the dashboard's filters."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import Area
from civicportal.audience import selectors, sources
from civicportal.audience.models import ProfileQuestion
from civicportal.audience.services import DECLINED

MAX_DAYS = 5 * 366
MAX_WEEKLY_DAYS = 366


class ProfileQuestionsForm(forms.Form):
    """One optional radio group per active question, "prefer not to say" last."""

    def __init__(self, *args, questions: list[ProfileQuestion], initial_answers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        areas = None
        for question in questions:
            if question.kind == ProfileQuestion.Kind.AREAS:
                if areas is None:
                    areas = [(area.slug, area.name) for area in Area.objects.order_by("name")]
                options = list(areas)
            else:
                options = [(c.key, str(c.display_label)) for c in question.choices.all()]
            self.fields[question.key] = forms.ChoiceField(
                label=question.display_label,
                choices=[*options, (DECLINED, _("Prefer not to say"))],
                required=False,
                widget=forms.RadioSelect,
                initial=initial_answers.get(question.key, ""),
                error_messages={
                    "invalid_choice": _(
                        "Choose one of the answers offered, or leave the question blank."
                    )
                },
            )


class DashboardFilterForm(forms.Form):
    """The dashboard's query string; an unknown value is refused with a message."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.ChoiceField(label=_("Source"), required=False)
    module = forms.ChoiceField(label=_("Module"), required=False)
    period = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[("month", _("month")), ("week", _("week"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [
            ("", _("Every source")),
            *[(source, source) for source in sources.allowed_sources()],
            (selectors.DIRECT, _("Direct (no source link)")),
        ]
        self.fields["module"].choices = [("", _("Every module")), *selectors.module_choices()]

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        date_to = cleaned.get("date_to") or today
        date_from = cleaned.get("date_from") or (date_to - timedelta(days=364)).replace(day=1)
        if "date_from" in self.errors or "date_to" in self.errors:
            return cleaned
        if date_from > date_to:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        period = cleaned.get("period") or "month"
        if (date_to - date_from).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most five years."))
        if period == "week" and (date_to - date_from).days > MAX_WEEKLY_DAYS:
            raise forms.ValidationError(
                _("Per week, choose a period of at most a year (or show it per month).")
            )
        cleaned.update({"date_from": date_from, "date_to": date_to, "period": period})
        return cleaned

    def filters(self) -> selectors.Filters:
        data = self.cleaned_data
        source = data.get("source") or None
        if source == selectors.DIRECT:
            source = ""
        return selectors.Filters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            source=source,
            module=data.get("module") or None,
            period=data["period"],
        )
