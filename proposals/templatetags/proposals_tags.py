"""``{% load proposals_tags %}``: the home page's ideas, and small display helpers."""

from __future__ import annotations

from django import template

from proposals import selectors

register = template.Library()


@register.simple_tag
def proposals_home_ideas(limit: int = 3) -> list:
    return selectors.home_ideas(limit=limit)


@register.filter
def status_badge(status: str) -> str:
    """The Bootstrap badge class of an idea status (each with AA contrast)."""
    return {
        "submitted": "text-bg-secondary",
        "under_review": "text-bg-warning",
        "accepted": "text-bg-success",
        "in_progress": "text-bg-info",
        "implemented": "text-bg-primary",
        "not_accepted": "text-bg-dark",
        "merged": "text-bg-light border",
    }.get(status, "text-bg-secondary")
