"""``{% load notifications %}``: the inbox's unread count for the page header.

``{% inbox_unread_count %}`` prints the signed-in user's unread count (0 for visitors);
``{% inbox_unread_count as unread %}`` stores it. It is counted once per request, however
many times a page asks. base.html includes ``notifications/_inbox_link.html``.
"""

from __future__ import annotations

from django import template

from civicportal.notifications.selectors import inbox_unread_count as unread_count

register = template.Library()

_CACHE_ATTRIBUTE = "_notifications_inbox_unread"


@register.simple_tag(takes_context=True)
def inbox_unread_count(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    if request is not None and hasattr(request, _CACHE_ATTRIBUTE):
        return getattr(request, _CACHE_ATTRIBUTE)
    count = unread_count(viewer=user)
    if request is not None:
        setattr(request, _CACHE_ATTRIBUTE, count)
    return count
