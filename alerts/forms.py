"""Forms of the alerts pages: the author's message form, cancel, send back, subscription,
reports from the ground and their triage."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from alerts import geometry
from alerts.models import (
    AlertMessage,
    CapStatus,
    Category,
    Certainty,
    GroundReport,
    ResponseType,
    Severity,
    SeverityRank,
    Urgency,
)
from alerts.services import MessageContent
from alerts.validators import reject_control_characters
from civicportal.accounts.models import Area
from civicportal.core.maps import LocationField

_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class TextGuardMixin:
    """Every text field of the form refuses control characters (``reject_control_characters``),
    with a message naming the character, before anything reaches a service."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(reject_control_characters)


def _max(name: str) -> int:
    return AlertMessage._meta.get_field(name).max_length


def _choose(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``choices`` after an empty first entry, so that nothing is chosen until someone does."""
    return [("", _("Choose…")), *choices]


class AlertMessageForm(TextGuardMixin, forms.Form):
    """Everything an author writes in one CAP message. ``with_status`` adds the choice of
    Actual/Exercise/Test (a new alert only: an alert's messages share its status)."""

    status = forms.ChoiceField(
        label=_("Kind of alert"),
        choices=CapStatus.choices,
        initial=CapStatus.ACTUAL,
        widget=forms.RadioSelect,
        help_text=_(
            "Exercise and Test reach only residents who opted into test messages, are marked "
            "EXERCISE everywhere, and never appear in public."
        ),
    )
    headline = forms.CharField(label=_("Headline"), max_length=160)
    event = forms.CharField(label=_("Event"), max_length=100, help_text=_("For example: Flood."))
    # The CAP codes start on an empty "Choose" entry and a choice is required: a list that
    # starts on its first code (Geophysical, Extreme) lets an alert go out as that unasked.
    category = forms.ChoiceField(label=_("CAP category"), choices=_choose(Category.choices))
    severity = forms.ChoiceField(label=_("Severity"), choices=_choose(Severity.choices))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=_choose(Urgency.choices))
    certainty = forms.ChoiceField(label=_("Certainty"), choices=_choose(Certainty.choices))
    response_type = forms.ChoiceField(
        label=_("Response type"), choices=_choose(ResponseType.choices)
    )
    instruction = forms.CharField(
        label=_("Instruction: what residents should do"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=Area.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    polygons = forms.CharField(
        label=_("Drawn polygons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-alert-polygons": ""}),
        help_text=_(
            "One polygon per line, points as latitude,longitude separated by spaces. "
            "Click on the map to add points, when the map is shown."
        ),
    )
    circles = forms.CharField(
        label=_("Drawn circles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-alert-circles": ""}),
        help_text=_("One circle per line: latitude,longitude radius_in_km, e.g. 52.1,-1.9 2."),
    )
    area_description = forms.CharField(
        label=_("Drawn area, in words"), max_length=200, required=False
    )
    onset = forms.DateTimeField(
        label=_("Onset"), required=False, widget=_DateTimeInput, input_formats=_DATETIME_FORMATS
    )
    expires = forms.DateTimeField(
        label=_("Expires"), widget=_DateTimeInput, input_formats=_DATETIME_FORMATS
    )
    web = forms.URLField(label=_("Web link"), required=False, assume_scheme="https")
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)
    second_language = forms.ChoiceField(
        label=_("Second language"),
        choices=[("", _("None"))]
        + [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE],
        required=False,
        help_text=_(
            "Subscribers who read a language the alert has no text in receive the whole "
            "message in the first language."
        ),
    )
    second_event = forms.CharField(
        label=_("Event (second language)"), max_length=_max("second_event"), required=False
    )
    second_headline = forms.CharField(
        label=_("Headline (second language)"), max_length=_max("second_headline"), required=False
    )
    second_instruction = forms.CharField(
        label=_("Instruction (second language)"),
        max_length=_max("second_instruction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    second_description = forms.CharField(
        label=_("Description (second language)"),
        max_length=_max("second_description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, with_status: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_status:
            del self.fields["status"]

    def clean_polygons(self) -> list:
        return [
            list(map(list, ring)) for ring in geometry.polygons_parse(self.cleaned_data["polygons"])
        ]

    def clean_circles(self) -> list:
        return [list(circle) for circle in geometry.circles_parse(self.cleaned_data["circles"])]

    def content(self) -> MessageContent:
        data = self.cleaned_data
        return MessageContent(
            category=data["category"],
            event=data["event"],
            urgency=data["urgency"],
            severity=data["severity"],
            certainty=data["certainty"],
            response_type=data["response_type"],
            headline=data["headline"],
            description=data["description"],
            instruction=data["instruction"],
            expires=data["expires"],
            onset=data.get("onset"),
            web=data.get("web", ""),
            contact=data.get("contact", ""),
            second_language=data.get("second_language", ""),
            second_event=data.get("second_event", ""),
            second_headline=data.get("second_headline", ""),
            second_description=data.get("second_description", ""),
            second_instruction=data.get("second_instruction", ""),
            areas=list(data.get("areas") or []),
            area_description=data.get("area_description", ""),
            polygons=data.get("polygons") or [],
            circles=data.get("circles") or [],
        )

    @staticmethod
    def initial_from(message: AlertMessage) -> dict:
        initial = {
            name: getattr(message, name)
            for name in (
                "headline", "event", "category", "severity", "urgency", "certainty",
                "response_type", "instruction", "description", "area_description", "onset",
                "expires", "web", "contact", "second_language", "second_event",
                "second_headline", "second_instruction", "second_description",
            )
        }  # fmt: skip
        initial["areas"] = list(message.areas.all())
        initial["polygons"] = geometry.polygons_format(message.polygons)
        initial["circles"] = geometry.circles_format(message.circles)
        return initial


class UpdateForm(AlertMessageForm):
    note = forms.CharField(label=_("What changed (CAP note)"), max_length=500, required=False)
    quoted_report = forms.ModelChoiceField(
        label=_("Quote a report from the ground"),
        queryset=GroundReport.objects.none(),
        required=False,
        help_text=_("Its text is added at the end of the description, and it is confirmed."),
    )

    def __init__(self, *args, alert=None, **kwargs):
        super().__init__(*args, with_status=False, **kwargs)
        if alert is not None:
            self.fields["quoted_report"].queryset = alert.reports.exclude(
                triage=GroundReport.Triage.DISMISSED
            )


class CancelForm(TextGuardMixin, forms.Form):
    note = forms.CharField(
        label=_("Why the alert ends, and what residents should do now (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The all-clear goes out at once in fixed words. Your note goes out afterwards, "
            "as a second all-clear, once a second person with the approver role approves it."
        ),
    )


class ReturnForm(TextGuardMixin, forms.Form):
    reason = forms.CharField(
        label=_("What the author should change"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class _WhereAndWhichForm(forms.Form):
    """What every alert subscription chooses, with an account or without: where, and which
    alerts (the lowest severity)."""

    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=Area.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for alerts anywhere in the council area."),
    )
    min_severity = forms.TypedChoiceField(
        label=_("Which alerts"),
        choices=SeverityRank.choices,
        coerce=int,
        initial=SeverityRank.MINOR,
        widget=forms.RadioSelect,
    )


class SubscriptionForm(_WhereAndWhichForm):
    by_email = forms.BooleanField(label=_("By email"), required=False, initial=True)
    by_push = forms.BooleanField(
        label=_("By web push (allow notifications on your notification settings page)"),
        required=False,
    )
    by_sms = forms.BooleanField(label=_("By SMS (needs a verified phone number)"), required=False)
    receive_tests = forms.BooleanField(
        label=_("Also exercises and test messages (always marked EXERCISE)"), required=False
    )


class AnonymousSubscriptionForm(_WhereAndWhichForm):
    """Alerts without an account: where, which, and the email address or phone number."""

    address = forms.CharField(
        label=_("Email address or mobile number"),
        max_length=254,
        help_text=_(
            "A mobile number in international format, e.g. +354 555 1234. We send a link or "
            "a code to confirm it is yours; nothing else is sent until you confirm."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    receive_tests = forms.BooleanField(
        label=_("Also exercises and test messages (always marked EXERCISE)"), required=False
    )

    def __init__(self, *args, by_sms: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not by_sms:  # no SMS here: the field asks for an email address only
            field = self.fields["address"]
            field.label = _("Email address")
            field.help_text = _(
                "We send a link to confirm it is yours; nothing else is sent until you confirm."
            )
            field.widget.input_type = "email"


class ReportForm(TextGuardMixin, forms.Form):
    text = forms.CharField(
        label=_("What do you see?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    location_text = forms.CharField(
        label=_("Where (street, landmark)"), max_length=200, required=False
    )
    location = LocationField(
        label=_("The place on the map"),
        help_text=_("Optional: mark where you are, or where you saw it."),
    )
    photo = forms.ImageField(
        label=_("Photo"),
        required=False,
        help_text=_(
            "We remove the photo's hidden data (such as where it was taken) before storing it."
        ),
    )


class TriageForm(forms.Form):
    triage = forms.ChoiceField(choices=GroundReport.Triage.choices)
