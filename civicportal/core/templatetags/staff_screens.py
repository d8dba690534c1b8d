"""``{% load staff_screens %}``: the staff screens the signed-in person may open, for the
admin's templates (``templates/admin/``); see ``civicportal.core.staff_screens``."""

from __future__ import annotations

from django import template

from civicportal.core import staff_screens

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_screen_modules(context, app_label=None) -> list[staff_screens.Module]:
    """By module; with ``app_label`` (the admin's page of one app), that module's only."""
    request = context.get("request")
    if request is None:
        return []
    return staff_screens.modules(request, app_label=app_label or None)


@register.simple_tag(takes_context=True)
def staff_screen_links(context, opts) -> list[staff_screens.Link]:
    """The screens linked from the admin list of the model ``opts`` describes."""
    request = context.get("request")
    if request is None or opts is None:
        return []
    return staff_screens.links(request, model=opts.label_lower)


@register.simple_tag(takes_context=True)
def staff_object_links(context, obj) -> list[staff_screens.Link]:
    """The screens of ``obj`` (the object of an admin change page)."""
    request = context.get("request")
    if request is None:
        return []
    return staff_screens.object_links(request, obj)
