"""Forms of the resident's notification pages: preferences, phone number, code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicportal.notifications.models import ChannelName, Frequency
from civicportal.notifications.selectors import TopicChoices


def choice_field_name(topic_key: str, channel: str) -> str:
    return f"{topic_key}__{channel}"


def frequency_field_name(topic_key: str) -> str:
    return f"{topic_key}__frequency"


class PreferencesForm(forms.Form):
    """One checkbox per topic and channel, and how often for email (non-urgent topics)."""

    def __init__(self, *args, table: list[TopicChoices], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.table = table
        for row in table:
            for channel in row.channels:
                self.fields[choice_field_name(row.topic.key, channel)] = forms.BooleanField(
                    required=False,
                    initial=row.enabled[channel],
                    label=_("%(channel)s for “%(topic)s”")
                    % {"channel": ChannelName(channel).label, "topic": row.topic.label},
                )
            if ChannelName.EMAIL in row.channels and not row.topic.urgent:
                # Not required: a form posted without it keeps the current frequency.
                self.fields[frequency_field_name(row.topic.key)] = forms.ChoiceField(
                    choices=Frequency.choices,
                    initial=row.frequency,
                    required=False,
                    label=_("How often to email “%(topic)s”") % {"topic": row.topic.label},
                )

    def columns(self) -> list[tuple[str, str]]:
        """The table's channel columns: every channel some topic offers, in a fixed order."""
        offered = {channel for row in self.table for channel in row.channels}
        return [(value, label) for value, label in ChannelName.choices if value in offered]

    def rows(self) -> list[dict]:
        """The table as the template walks it: topic, a bound field (or None) per column."""
        columns = [channel for channel, _label in self.columns()]
        rows = []
        for row in self.table:
            frequency_name = frequency_field_name(row.topic.key)
            rows.append(
                {
                    "topic": row.topic,
                    "cells": [
                        self[choice_field_name(row.topic.key, channel)]
                        if channel in row.channels
                        else None
                        for channel in columns
                    ],
                    "frequency": self[frequency_name] if frequency_name in self.fields else None,
                }
            )
        return rows

    def choices(self) -> dict[tuple[str, str], tuple[bool, str]]:
        """``{(topic, channel): (enabled, frequency)}`` for ``preferences_update``."""
        result = {}
        for row in self.table:
            frequency = self.cleaned_data.get(frequency_field_name(row.topic.key)) or (
                row.frequency
            )
            for channel in row.channels:
                enabled = self.cleaned_data[choice_field_name(row.topic.key, channel)]
                result[(row.topic.key, channel)] = (
                    enabled,
                    frequency if channel == ChannelName.EMAIL else Frequency.IMMEDIATE,
                )
        return result


class PhoneNumberForm(forms.Form):
    number = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        help_text=_("In international format, e.g. +354 555 1234. We text you a code."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        help_text=_("6 digits. The code works for 10 minutes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )
