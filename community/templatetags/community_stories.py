"""``{% featured_stories as stories %}``: the stories staff feature on the home page."""

from __future__ import annotations

from django import template

from community.selectors.stories import story_list_featured

register = template.Library()


@register.simple_tag
def featured_stories(limit: int = 3) -> list:
    return story_list_featured(limit=limit)
