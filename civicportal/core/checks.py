"""System checks for the council's configuration that would break accessibility."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

from civicportal.core.theme import (
    MIN_CONTRAST_WITH_WHITE,
    WHITE,
    contrast_ratio,
    parse_hex,
)


@register()
def check_brand_colours(app_configs=None, **kwargs) -> list[Warning]:
    """White text sits on both brand colours (header, buttons): it must stay readable."""
    problems = []
    for name in ("BRAND_PRIMARY_COLOR", "BRAND_ACCENT_COLOR"):
        value = getattr(settings, name, "")
        rgb = parse_hex(value)
        if rgb is None:
            problems.append(
                Warning(
                    f"{name}={value!r} is not a colour like #1d4e89; the default is used.",
                    id="core.W001",
                )
            )
            continue
        ratio = contrast_ratio(rgb, WHITE)
        if ratio < MIN_CONTRAST_WITH_WHITE:
            problems.append(
                Warning(
                    f"{name}={value} has a contrast of {ratio:.1f}:1 with white text; "
                    f"WCAG 2.1 AA needs at least {MIN_CONTRAST_WITH_WHITE}:1.",
                    hint="Choose a darker colour.",
                    id="core.W002",
                )
            )
    return problems
