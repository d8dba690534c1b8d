"""The compose form: one text box per configured account, the card, the time."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicportal.notifications.channels.social import network_limit
from outreach.models.posts import CARD_DESCRIPTION_MAX_LENGTH, CARD_TITLE_MAX_LENGTH

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class PostForm(forms.Form):
    """The limits are checked by the service (``texts_check``), so a page without
    JavaScript, or an edited request, gets the same clear message as the live counter."""

    card_title = forms.CharField(label=_("Card title"), max_length=CARD_TITLE_MAX_LENGTH)
    card_description = forms.CharField(
        label=_("Card description"),
        max_length=CARD_DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    scheduled_for = forms.DateTimeField(
        label=_("Post at"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeInput(),
        help_text=_("Leave empty to post as soon as a second editor approves it."),
    )

    def __init__(self, *args, accounts: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = accounts
        for account in accounts:
            limit = network_limit(account)
            # No max_length here: the service's check names the excess in words.
            self.fields[f"text_{account}"] = forms.CharField(
                label=_("Text for %(account)s") % {"account": account},
                strip=False,
                widget=forms.Textarea(
                    attrs={"rows": 5, "data-social-limit": limit, "data-social-text": account}
                ),
                help_text=_("At most %(limit)s characters, link included.") % {"limit": limit},
            )

    def text_fields(self) -> list[tuple[str, forms.BoundField]]:
        return [(account, self[f"text_{account}"]) for account in self.accounts]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "texts": {account: data.get(f"text_{account}", "") for account in self.accounts},
            "card_title": data["card_title"],
            "card_description": data.get("card_description", ""),
            "scheduled_for": data.get("scheduled_for"),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
