from django import forms
from django.utils.translation import gettext_lazy as _

from community.models.hashtag_posts import HASHTAG_POST_REASON_MAX_LENGTH


class RemovalRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should it be removed? (optional)"),
        max_length=HASHTAG_POST_REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the council's moderators read it."),
    )
