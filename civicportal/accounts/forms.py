"""Account forms."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import Area


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's sign-up form: how the resident appears, where they live."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("Shown next to what you post. You can change it later."),
    )
    home_area = forms.ModelChoiceField(
        label=_("Your neighbourhood"),
        queryset=Area.objects.all(),
        required=False,
        empty_label=_("I'd rather not say"),
    )

    def signup(self, request, user) -> None:
        user.display_name = self.cleaned_data.get("display_name", "")
        user.home_area = self.cleaned_data.get("home_area")
        user.save(update_fields=["display_name", "home_area"])


class ProfileForm(forms.Form):
    """The resident's own profile: how they appear, their language, where they live."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("Shown next to what you post. Leave empty to appear as 'Resident'."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("The portal and the messages we send you use this language."),
    )
    home_area = forms.ModelChoiceField(
        label=_("Your neighbourhood"),
        queryset=Area.objects.all(),
        required=False,
        empty_label=_("I'd rather not say"),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "display_name": user.display_name,
                "preferred_language": user.preferred_language,
                "home_area": user.home_area_id,
            },
        )
        super().__init__(*args, **kwargs)
        if user.is_verified:
            # Confirmed by residency verification: a move goes through a new request.
            self.fields["home_area"].disabled = True
            self.fields["home_area"].help_text = _(
                "Confirmed by your residency verification. If you have moved, send a new "
                "residency request."
            )


class ResidencyRequestForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("The neighbourhood you live in"),
        queryset=Area.objects.all(),
        empty_label=_("Choose your neighbourhood"),
    )
    note = forms.CharField(
        label=_("Your address"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Street, house number and anything else that helps staff confirm it."),
    )
    identifier = forms.CharField(
        label=_("National identity number"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_(
            "If you give it, we check it against the council's census list and can verify "
            "you at once. We never store the number itself, only a one-way fingerprint of it."
        ),
    )


class CensusImportForm(forms.Form):
    file = forms.FileField(
        label=_("Census file (CSV)"),
        help_text=_(
            'UTF-8 CSV with the header "identifier_hash" or "identifier_hash,area": '
            "one 64-character hash per line, and optionally the area's slug. Make it from "
            "the raw list with `manage.py census_hash`. A file with any bad line is "
            "refused as a whole."
        ),
    )


class ResidencyRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason shown to the residents"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Plain language: what was missing and what they can do next."),
    )
