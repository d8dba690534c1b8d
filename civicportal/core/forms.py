"""Forms of the participation pieces: comments, reports, account deletion, Mastodon share."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from civicportal.core.models import Flag
from civicportal.core.models.comments import COMMENT_MAX_LENGTH


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Markdown works: **bold**, *italic*, [a link](https://example.org), lists and "
            "quotes. Be kind; the house rules apply."
        ),
        error_messages={"required": _("Write your comment before posting it.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ReplyForm(CommentForm):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your reply before posting it.")},
    )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"),
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why you are reporting this.")},
    )
    details = forms.CharField(
        label=_("Details for the moderators"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the moderators see this. Needed when you choose “Something else”."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class AccountDeleteForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password to confirm.")},
    )

    def __init__(self, *args, has_password: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_password:
            field = self.fields["confirmation"]
            field.label = _("Your email address")
            field.widget = forms.EmailInput(attrs={"autocomplete": "email"})
            field.error_messages["required"] = _("Enter your email address to confirm.")


# A host name: labels of letters, digits and hyphens, at least one dot, optional port.
_HOST = re.compile(
    r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}[a-z0-9](:\d{1,5})?$"
)


class MastodonShareForm(forms.Form):
    instance = forms.CharField(
        label=_("Your Mastodon server"),
        max_length=253,
        help_text=_("The address of the server your account is on, e.g. mastodon.social."),
        error_messages={"required": _("Enter the address of your Mastodon server.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "url", "inputmode": "url", "spellcheck": "false"}
        ),
    )
    text = forms.CharField(widget=forms.HiddenInput, max_length=500, required=False)
    url = forms.CharField(widget=forms.HiddenInput, max_length=1000)

    def clean_instance(self) -> str:
        value = self.cleaned_data["instance"].strip().lower()
        value = re.sub(r"^https?://", "", value).split("/")[0].lstrip("@")
        if "@" in value:  # a full handle, user@server
            value = value.rsplit("@", 1)[1]
        if not _HOST.match(value):
            raise forms.ValidationError(
                _("Enter a server address like mastodon.social (no spaces or slashes).")
            )
        return value
