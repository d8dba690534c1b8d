"""Forms of the events part. They parse; the services check and refuse (past dates, end
before start, capacity, images), and their messages are shown on the fields."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import Area
from civicportal.core.maps import LocationField
from community.models.events import (
    BRING_MAX_LENGTH,
    CAPACITY_MAX,
    DESCRIPTION_MAX_LENGTH,
    OUTCOME_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    EventKind,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _image_help() -> str:
    from community.services.events import image_max_bytes

    return _(
        "Optional. A JPEG, PNG or WebP photo up to %(size)s; its location data is removed."
    ) % {"size": filesizeformat(image_max_bytes())}


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": _("Give the event a title.")},
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Describe the event.")},
        help_text=_("What will happen and who it is for. You can use Markdown."),
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False,
        empty_label=_("The whole city"),
    )  # fmt: skip
    place = forms.CharField(
        label=_("Meeting place"),
        max_length=PLACE_MAX_LENGTH,
        error_messages={"required": _("Say where people meet.")},
    )
    location = LocationField(
        label=_("Place on the map"),
        help_text=_("Mark the meeting point on the map, or type its coordinates."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"), input_formats=DATETIME_FORMATS, widget=DateTimeInput(),
        error_messages={"required": _("Say when the event starts."),
                        "invalid": _("Give the date and time, for example 2026-06-13 10:00.")},
    )  # fmt: skip
    ends_at = forms.DateTimeField(
        label=_("Ends"), input_formats=DATETIME_FORMATS, widget=DateTimeInput(),
        error_messages={"required": _("Say when the event ends."),
                        "invalid": _("Give the date and time, for example 2026-06-13 13:00.")},
    )  # fmt: skip
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=CAPACITY_MAX,
        error_messages={
            "required": _("Say how many people can take part."),
            "min_value": _("An event needs at least one place."),
            "invalid": _("Give the number of places as a number."),
        },
    )
    what_to_bring = forms.CharField(
        label=_("What to bring"), max_length=BRING_MAX_LENGTH, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    image = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=lazy(_image_help, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    image_description = forms.CharField(
        label=_("What the photo shows"), max_length=200, required=False,
        help_text=_("Needed with a photo, for people who cannot see it."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.order_by("name")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["latitude"], data["longitude"] = data.pop("location") or (None, None)
        data["image"] = data.get("image") or None
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why.")},
    )  # fmt: skip


class MessageForm(forms.Form):
    message = forms.CharField(
        label=_("Message to everyone signed up"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your message.")},
    )  # fmt: skip


class OutcomeForm(forms.Form):
    attendance = forms.IntegerField(
        label=_("People who came"), min_value=0,
        error_messages={"required": _("Give the number of people who came, 0 or more."),
                        "min_value": _("Give the number of people who came, 0 or more.")},
    )  # fmt: skip
    outcome = forms.CharField(
        label=_("What was achieved"), max_length=OUTCOME_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what was achieved.")},
    )  # fmt: skip
    photo = forms.FileField(
        label=_("Photo"), required=False, help_text=lazy(_image_help, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )  # fmt: skip
    photo_description = forms.CharField(
        label=_("What the photo shows"), max_length=200, required=False
    )


class EventFilterForm(forms.Form):
    """The list's filters; anything invalid is ignored rather than refused."""

    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, to_field_name="slug",
        empty_label=_("Every area"),
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Every kind")), *EventKind.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.order_by("name")

    def filters(self) -> dict:
        if not self.is_valid():
            return {"area": None, "kind": None}
        return {"area": self.cleaned_data["area"], "kind": self.cleaned_data["kind"] or None}
