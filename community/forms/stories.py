"""The story form and the moderators' forms. Checks live in the services; the forms only
parse what the browser sent (the service's errors are put back on the form's fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import Area
from community.models.stories import (
    PHOTO_DESCRIPTION_MAX_LENGTH,
    STORY_BODY_MAX_LENGTH,
    STORY_REASON_MAX_LENGTH,
    STORY_TITLE_MAX_LENGTH,
)
from community.selectors.stories import campaign_list_open


class StoryForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=STORY_TITLE_MAX_LENGTH)
    body = forms.CharField(
        label=_("Your story"),
        max_length=STORY_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("A few paragraphs; Markdown is fine."),
    )
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.order_by("name"),
        empty_label=_("Choose an area"),
        error_messages={"invalid_choice": _("Choose one of the areas offered.")},
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=campaign_list_open(),
        required=False,
        empty_label=_("No campaign"),
        to_field_name="slug",
        error_messages={
            "invalid_choice": _("This campaign is not open for stories; choose another or none.")
        },
    )
    # A plain file field: the service checks the content (not the name) and re-encodes it.
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("Optional. JPEG, PNG or WebP; location data is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    photo_description = forms.CharField(
        label=_("Describe the photo"),
        max_length=PHOTO_DESCRIPTION_MAX_LENGTH,
        required=False,
        help_text=_("For people who cannot see it."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=STORY_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The author reads it."),
    )
