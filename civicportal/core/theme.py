"""The council's colours as CSS custom properties, served at /theme.css.

The content security policy forbids inline styles, so the configurable colours cannot be
written into the page; a tiny stylesheet generated from settings overrides Bootstrap's
variables instead. Colours are parsed strictly (``#rgb`` or ``#rrggbb``), so nothing from
the environment reaches the stylesheet unchecked.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings

DEFAULT_PRIMARY = "#1d4e89"
DEFAULT_ACCENT = "#2e6b30"
# WCAG 2.1 AA for normal text: white on the brand colour (buttons, header) needs 4.5:1.
MIN_CONTRAST_WITH_WHITE = 4.5

_HEX = re.compile(r"^#?(?P<hex>[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

RGB = tuple[int, int, int]


def parse_hex(value: str) -> RGB | None:
    match = _HEX.match((value or "").strip())
    if not match:
        return None
    digits = match["hex"]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def mix(rgb: RGB, other: RGB, weight: float) -> RGB:
    """``weight`` of ``other`` blended into ``rgb`` (0 keeps ``rgb``, 1 gives ``other``)."""
    return tuple(round(a + (b - a) * weight) for a, b in zip(rgb, other, strict=True))  # type: ignore[return-value]


def relative_luminance(rgb: RGB) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: RGB, second: RGB) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)


def brand_colours() -> tuple[RGB, RGB]:
    """The configured primary and accent colours, falling back to the defaults if invalid."""
    primary = parse_hex(settings.BRAND_PRIMARY_COLOR) or parse_hex(DEFAULT_PRIMARY)
    accent = parse_hex(settings.BRAND_ACCENT_COLOR) or parse_hex(DEFAULT_ACCENT)
    return primary, accent  # type: ignore[return-value]


def _palette(name: str, rgb: RGB) -> list[str]:
    r, g, b = rgb
    return [
        f"--portal-{name}: {to_hex(rgb)};",
        f"--portal-{name}-rgb: {r}, {g}, {b};",
        f"--portal-{name}-hover: {to_hex(mix(rgb, BLACK, 0.15))};",
        f"--portal-{name}-active: {to_hex(mix(rgb, BLACK, 0.25))};",
        f"--portal-{name}-dark: {to_hex(mix(rgb, BLACK, 0.55))};",
        f"--portal-{name}-subtle: {to_hex(mix(rgb, WHITE, 0.9))};",
        f"--portal-{name}-border-subtle: {to_hex(mix(rgb, WHITE, 0.6))};",
        f"--portal-{name}-text: {to_hex(mix(rgb, BLACK, 0.35))};",
    ]


def theme_css() -> str:
    primary, accent = brand_colours()
    root = [
        *_palette("primary", primary),
        *_palette("accent", accent),
        "--bs-primary: var(--portal-primary);",
        "--bs-primary-rgb: var(--portal-primary-rgb);",
        "--bs-primary-text-emphasis: var(--portal-primary-text);",
        "--bs-primary-bg-subtle: var(--portal-primary-subtle);",
        "--bs-primary-border-subtle: var(--portal-primary-border-subtle);",
        "--bs-success: var(--portal-accent);",
        "--bs-success-rgb: var(--portal-accent-rgb);",
        "--bs-success-text-emphasis: var(--portal-accent-text);",
        "--bs-success-bg-subtle: var(--portal-accent-subtle);",
        "--bs-success-border-subtle: var(--portal-accent-border-subtle);",
        "--bs-link-color: var(--portal-primary);",
        "--bs-link-color-rgb: var(--portal-primary-rgb);",
        "--bs-link-hover-color: var(--portal-primary-active);",
        f"--bs-link-hover-color-rgb: {', '.join(str(c) for c in mix(primary, BLACK, 0.25))};",
    ]
    return (
        "/* The council's colours, generated from settings (BRAND_PRIMARY_COLOR, "
        "BRAND_ACCENT_COLOR). */\n"
        ":root {\n  " + "\n  ".join(root) + "\n}\n"
    )


def theme_version() -> str:
    """A short fingerprint of the colours, used to bust caches when they change."""
    primary, accent = brand_colours()
    return hashlib.sha256(f"{to_hex(primary)}{to_hex(accent)}".encode()).hexdigest()[:10]
