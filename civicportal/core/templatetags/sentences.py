"""``{% load sentences %}``: a value put where a sentence ends."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter(is_safe=True)
def before_full_stop(value) -> str:
    """``value`` without a final full stop, for a sentence that ends in one.

    A name typed as "Chloe H." ends "Signed in as Chloe H." once, not twice: as in print, the
    abbreviation's stop ends the sentence too.
    """
    text = str(value)
    return text[:-1] if text.endswith(".") else text
