"""Forms of the idea pages and admin: parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import Area
from civicportal.core.maps import LocationField
from proposals.models import (
    BODY_MAX_LENGTH,
    POINT_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Category,
    Idea,
    IdeaStatus,
    IdeaVote,
    Point,
    PointRating,
)


def _image_help() -> str:
    return _(
        "Optional. A JPEG, PNG or WebP photo up to %(size)s; its location data is removed."
    ) % {"size": filesizeformat(settings.PROPOSALS_IMAGE_MAX_BYTES)}


class IdeaForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": _("Give your idea a title.")},
        help_text=_("A short sentence saying what should change."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("Description"),
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": _("Describe your idea.")},
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What should change, where, and why. You can use Markdown: *italic*, **bold**, "
            "lists and links."
        ),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        empty_label=_("Choose a category"),
        error_messages={"required": _("Choose the category that fits best.")},
    )
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.all(),
        required=False,
        empty_label=_("The whole city"),
    )
    location = LocationField(
        label=_("Place"),
        help_text=_(
            "Where the change should happen, if at one place: mark it on the map, or type "
            "its coordinates."
        ),
    )
    image = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=lazy(_image_help, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    image_description = forms.CharField(
        label=_("What the photo shows"),
        max_length=200,
        required=False,
        help_text=_("Needed with a photo, for people who cannot see it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("order", "name")
        self.fields["area"].queryset = Area.objects.order_by("name")


class IdeaFilterForm(forms.Form):
    """The list's filters; anything invalid is ignored rather than refused."""

    q = forms.CharField(label=_("Search ideas"), required=False, max_length=200)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("random", _("Random")),  # the page says why, below the filters
            ("top", _("Most supported")),
            ("trending", _("Trending")),
            ("newest", _("Newest")),
            ("debated", _("Most debated")),
        ],
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("All")
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + [c for c in IdeaStatus.choices if c[0] != IdeaStatus.MERGED],
    )

    def __init__(self, *args, categories=None, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("order", "name")
        self.fields["area"].queryset = Area.objects.order_by("name")
        # Choices already fetched by the view: rendering the form costs no extra query.
        if categories is not None:
            self.fields["category"].choices = [("", _("All"))] + [
                (c.pk, c.name) for c in categories
            ]
        if areas is not None:
            self.fields["area"].choices = [("", _("All"))] + [(a.pk, a.name) for a in areas]


class VoteForm(forms.Form):
    value = forms.ChoiceField(
        choices=[*IdeaVote.Value.choices, ("withdraw", _("Withdraw my vote"))],
        error_messages={"required": _("Choose to support or to oppose the idea.")},
    )


class PointForm(forms.Form):
    side = forms.ChoiceField(
        label=_("Your point is"),
        choices=Point.Side.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether your point is for or against the idea.")},
    )
    text = forms.CharField(
        label=_("Your point"),
        max_length=POINT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your point before adding it.")},
        help_text=_("One argument, in a few sentences."),
    )


class PointRateForm(forms.Form):
    value = forms.ChoiceField(choices=PointRating.Value.choices)


class IdeaAdminForm(forms.ModelForm):
    """The admin's status change: status and official response, saved by the service."""

    official_response = forms.CharField(
        label=_("Official response"),
        required=False,
        max_length=RESPONSE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Shown on the idea's page and sent to its supporters, opponents and followers."
        ),
    )

    class Meta:
        model = Idea
        fields = ["status", "official_response"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            self.fields["status"].choices = [
                c for c in IdeaStatus.choices if c[0] != IdeaStatus.MERGED
            ]
