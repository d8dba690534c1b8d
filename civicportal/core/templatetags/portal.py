"""Template tags of the portal's layout and design system.

``{% load portal %}`` gives the main menu and banners from the module registry, the themed
stylesheet's URL, and ``{% form_field field %}``, which renders any Django form field with
Bootstrap markup, a visible label, its help text and its errors tied to the control for
screen readers.
"""

from __future__ import annotations

from django import forms, template
from django.urls import reverse

from civicportal.core import navigation, theme

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_sections(context) -> list[navigation.ResolvedSection]:
    return navigation.sections(context.get("request"))


@register.simple_tag
def portal_banners() -> list[str]:
    return navigation.banner_templates()


@register.simple_tag
def theme_css_url() -> str:
    return f"{reverse('theme-css')}?v={theme.theme_version()}"


def _widget_kind(widget: forms.Widget) -> str:
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.MultiWidget):
        return "group"  # several labelled inputs (a place on a map): a fieldset
    if isinstance(widget, forms.CheckboxInput):
        return "check"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "choices"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "select"
    return "input"


_CONTROL_CLASS = {
    "group": "form-control",
    "check": "form-check-input",
    "choices": "form-check-input",
    "select": "form-select",
    "input": "form-control",
}


@register.inclusion_tag("includes/form_field.html")
def form_field(field: forms.BoundField, show_optional: bool = True) -> dict:
    """One field: label, control, error and help, linked with ``aria-describedby``."""
    widget = field.field.widget
    kind = _widget_kind(widget)
    if kind == "hidden":
        return {"field": field, "kind": kind, "control": field.as_widget()}

    describedby = [
        *([f"{field.auto_id}_error"] if field.errors else []),
        *([f"{field.auto_id}_helptext"] if field.help_text else []),
    ]
    classes = [widget.attrs.get("class", ""), _CONTROL_CLASS[kind]]
    if field.errors:
        classes.append("is-invalid")
    attrs = {"class": " ".join(c for c in classes if c)}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if describedby and kind != "choices":
        attrs["aria-describedby"] = " ".join(describedby)

    options = []
    if kind == "choices":
        # Each option is its own input; the group's description goes on the fieldset.
        widget.attrs["class"] = attrs["class"]
        options = list(field.subwidgets)
        control = ""
    else:
        control = field.as_widget(attrs=attrs)
    return {
        "field": field,
        "kind": kind,
        "control": control,
        "options": options,
        "describedby": " ".join(describedby),
        "show_optional": show_optional and not field.field.required and kind != "check",
    }


@register.filter
def error_anchor(form: forms.BaseForm, name: str) -> str:
    """The id to link to from the error summary: the field's control, or the form top."""
    if name in form.fields:
        return form[name].id_for_label or form[name].auto_id or ""
    return ""


_MESSAGE_CLASSES = {
    "debug": "alert-secondary",
    "info": "alert-info",
    "success": "alert-success",
    "warning": "alert-warning",
    "error": "alert-danger",
}


@register.filter
def message_class(message) -> str:
    """The Bootstrap alert class of a ``django.contrib.messages`` message."""
    return _MESSAGE_CLASSES.get(message.level_tag, "alert-info")


@register.filter
def allauth_button_class(tags: list[str] | None) -> str:
    """Bootstrap classes for an allauth ``button`` element from its tags."""
    tags = set(tags or [])
    if "link" in tags:
        return "btn-link"
    colour = "primary"
    for candidate in ("danger", "secondary"):
        if candidate in tags:
            colour = candidate
    classes = [f"btn-outline-{colour}" if "outline" in tags else f"btn-{colour}"]
    if "tool" in tags:
        classes.append("btn-sm")
    return " ".join(classes)


@register.filter
def allauth_badge_class(tags: list[str] | None) -> str:
    """Bootstrap classes for an allauth ``badge`` element from its tags."""
    tags = set(tags or [])
    for colour in ("success", "warning", "danger", "primary"):
        if colour in tags:
            return f"text-bg-{colour}"
    if "current" in tags:
        return "text-bg-info"
    return "text-bg-secondary"
