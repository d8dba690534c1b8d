"""Forms of rumour control: a resident's question, a fact check, a private answer.

Links are plain text fields here: ``alerts.services.factchecks`` decides what a link may
be (http/https only), with the same words on the pages and in the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.forms import TextGuardMixin
from alerts.models import Alert, Verdict
from alerts.models.factchecks import ANSWER_MAX_LENGTH, FACTS_MAX_LENGTH, QUESTION_MAX_LENGTH
from alerts.services.factchecks import FactCheckContent


class QuestionForm(TextGuardMixin, forms.Form):
    text = forms.CharField(
        label=_("What did you hear or read?"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Quote the claim as you saw it, and say where."),
    )
    link = forms.CharField(
        label=_("Link"),
        max_length=500,
        required=False,
        help_text=_("A web address starting with http:// or https://."),
    )
    screenshot = forms.ImageField(
        label=_("Screenshot"),
        required=False,
        help_text=_(
            "We remove the picture's hidden data (such as where it was taken) before storing it."
        ),
    )


def sources_parse(text: str) -> list[dict]:
    """One source a line: ``Title | https://…`` or the address alone."""
    sources = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        title, sep, url = line.rpartition("|")
        if not sep:
            title, url = "", line
        sources.append({"title": title.strip(), "url": url.strip()})
    return sources


def sources_text(sources: list[dict]) -> str:
    return "\n".join(
        f"{source['title']} | {source['url']}" if source.get("title") else source["url"]
        for source in sources
    )


class FactCheckForm(TextGuardMixin, forms.Form):
    claim = forms.CharField(
        label=_("The claim, as it circulates"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    claim_url = forms.CharField(
        label=_("Where the claim appeared"),
        max_length=500,
        required=False,
        help_text=_("A link to a post or page that spreads it: http:// or https:// only."),
    )
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    facts = forms.CharField(
        label=_("The facts"),
        max_length=FACTS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What is true, in plain words. Markdown links and lists work."),
    )
    sources = forms.CharField(
        label=_("Sources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One a line: a title, a vertical bar, then the web address "
            "(“Met Office warning | https://…”), or the address alone."
        ),
    )
    alert = forms.ModelChoiceField(
        label=_("Incident"),
        queryset=Alert.objects.none(),
        required=False,
        empty_label=_("None: a standalone fact check"),
        help_text=_(
            "A fact check about an incident needs a second person's approval, like alert text."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alert"].queryset = Alert.objects.exclude(state=Alert.State.DRAFT).order_by(
            "-first_published_at", "-id"
        ) | Alert.objects.filter(status__in=["Exercise", "Test"])

    def content(self) -> FactCheckContent:
        data = self.cleaned_data
        return FactCheckContent(
            claim=data["claim"],
            verdict=data["verdict"],
            facts=data["facts"],
            sources=sources_parse(data.get("sources", "")),
            claim_url=data.get("claim_url", ""),
            alert=data.get("alert"),
        )


class AnswerForm(TextGuardMixin, forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only the resident who asked reads it."),
    )
