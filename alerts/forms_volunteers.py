"""Forms of volunteer call-outs: the resident's register entry, the author's call-out,
answers and check-in. Control characters are refused by every form field (the platform's
``civicportal.kernel.validators.install``); the services check the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.forms import _DATETIME_FORMATS, _DateTimeInput
from alerts.models import CallOutResponse, Skill
from alerts.services.volunteers import CallOutContent
from civicportal.accounts.models import Area


class RegistrationForm(forms.Form):
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills you can offer"),
        queryset=Skill.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas where you can help"),
        queryset=Area.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to help anywhere in the council area."),
    )
    availability = forms.CharField(
        label=_("When you are usually available"),
        max_length=300,
        required=False,
        help_text=_("For example: weekday evenings and weekends."),
    )
    receive_exercises = forms.BooleanField(
        label=_("Also take part in exercises (always marked EXERCISE)"), required=False
    )
    consent = forms.BooleanField(
        label=_("The council may contact me by my chosen channels when volunteers are needed"),
        required=True,
        error_messages={"required": _("Tick this so that call-outs can reach you.")},
    )


class CallOutForm(forms.Form):
    task = forms.CharField(label=_("Task"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=_DateTimeInput, input_formats=_DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=_DateTimeInput, input_formats=_DATETIME_FORMATS
    )
    needed = forms.IntegerField(
        label=_("People needed"),
        min_value=1,
        max_value=10_000,
        error_messages={"min_value": _("A call-out needs at least one person.")},
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills needed"),
        queryset=Skill.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Volunteers with any of these skills are asked; none ticked: everyone."),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=Area.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Volunteers of these areas and those who help anywhere are asked."),
    )
    details = forms.CharField(
        label=_("Details"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def content(self) -> CallOutContent:
        data = self.cleaned_data
        return CallOutContent(
            task=data["task"],
            place=data["place"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            needed=data["needed"],
            details=data["details"],
            skills=tuple(data["skills"]),
            areas=tuple(data["areas"]),
        )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=CallOutResponse.Answer.choices)


class CheckForm(forms.Form):
    step = forms.ChoiceField(choices=[("in", _("Check in")), ("out", _("Check out"))])
