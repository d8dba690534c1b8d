"""Account forms."""

from __future__ import annotations

from django import forms
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
