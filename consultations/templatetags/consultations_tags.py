"""Template helpers of the consultations pages: Markdown, charts, the home-page section.

``{% load consultations_tags %}`` then ``{{ consultation.summary|markdown }}`` (or
``|plain_text`` for a meta description),
``{% bar_chart result.rows as chart %}`` and ``{% consultations_home as items %}``.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from civicportal.core.rendering import markdown_render
from consultations import charts, selectors
from consultations.models import Consultation

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """Staff Markdown as sanitised HTML (the same renderer as residents' comments)."""
    return mark_safe(markdown_render(text))  # noqa: S308 - sanitised by nh3


@register.filter
def plain_text(text: str) -> str:
    """Staff Markdown as plain text on one line, for meta descriptions and share cards."""
    from html import unescape

    from django.utils.html import strip_tags

    return " ".join(unescape(strip_tags(markdown_render(text or ""))).split())


@register.simple_tag(name="bar_chart")
def bar_chart_tag(rows) -> charts.Chart:
    return charts.bar_chart(rows)


@register.simple_tag(takes_context=True)
def consultations_home(context) -> list:
    """The open consultations for the home page (at most six, closing soonest first)."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    return list(selectors.consultation_list(viewer=viewer, phase=Consultation.Phase.OPEN)[:6])
