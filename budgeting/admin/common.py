"""Helpers shared by the budget officers' screens."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)
