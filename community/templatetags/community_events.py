"""Template tags of the events part: the home page's next events."""

from __future__ import annotations

from django import template

from community import selectors_events

register = template.Library()

HOME_EVENTS = 3


@register.simple_tag
def community_home_events() -> list:
    return list(selectors_events.event_list()[:HOME_EVENTS])
