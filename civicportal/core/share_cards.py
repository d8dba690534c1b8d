"""Share cards: the 1200x630 pictures social networks show beside a link to the portal.

A card shows what the link is about (the item's title, its area, the module) and whose
portal it is (the council's name and colour). Its address carries a digest of everything
drawn, so the address is immutable: a new title gives a new address, an old address is sent
to the current one, and a network never shows a stale title from our side::

    /share/card/<app.model>/<pk>/<language>/<digest>.png      an item (the "public" check:
                                                              its own page answers anonymous
                                                              visitors)
    /share/card/page/<language>/<digest>.png?t=<signed title> a page without an item (a
                                                              list, home, results)

Page titles are signed with ``django.core.signing``, so nobody can have the portal draw
text of their choosing on its own domain. Each card is drawn once and kept in the default
storage under its digest (``share-cards/<digest>.png``).

The fonts ship with the code (``civicportal/core/fonts/``, SIL OFL): Pillow's bundled
default font has no Icelandic letters, and no system font is assumed.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage import default_storage as message_storage
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import translation
from django.utils.module_loading import import_string
from django_htmx.middleware import HtmxDetails
from PIL import Image, ImageDraw, ImageFont

from civicportal.core import navigation, theme

WIDTH, HEIGHT = 1200, 630
MAX_TITLE_LINES = 4
# Raised whenever the drawing changes, so every card gets a new address and is drawn again.
LAYOUT_VERSION = 1
STORAGE_DIR = "share-cards"
PAGE_KEY = "page"
_PAGE_TITLE_SALT = "civicportal.share-card.page-title"
# Long enough for any page title; a longer one is cut before signing, not refused.
PAGE_TITLE_MAX = 200

_FONTS = Path(__file__).resolve().parent / "fonts"
_BOLD = _FONTS / "FiraSans-Medium.woff2"
_REGULAR = _FONTS / "FiraSans-Regular.woff2"

_MARGIN = 72
_TITLE_BOX = (_MARGIN, 150, WIDTH - _MARGIN, 470)  # left, top, right, bottom
_TITLE_SIZES = range(80, 43, -4)
_LINE_SPACING = 1.18
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Card:
    """Everything a card shows; its digest names the picture."""

    title: str
    area: str
    label: str
    council: str
    site: str
    colour: str
    language: str

    @property
    def digest(self) -> str:
        drawn = json.dumps({**asdict(self), "layout": LAYOUT_VERSION}, sort_keys=True)
        return hashlib.sha256(drawn.encode()).hexdigest()[:16]

    @property
    def alt(self) -> str:
        return " · ".join(filter(None, [self.title, self.area, self.council]))


# --- What is drawn ---------------------------------------------------------------------


def _clean(text: object, limit: int = PAGE_TITLE_MAX) -> str:
    return " ".join(str(text or "").split())[:limit]


def item_title(obj: models.Model) -> str:
    """The item's own title (ideas, consultations), headline (alerts) or name (campaigns)."""
    for attribute in ("title", "headline", "name"):
        value = getattr(obj, attribute, "")
        if value and not callable(value):
            return _clean(value)
    return _clean(obj)


def item_area(obj: models.Model) -> str:
    try:
        area = getattr(obj, "area", None)
    except ObjectDoesNotExist:
        return ""
    return _clean(area) if area else ""


def module_label(app_label: str) -> str:
    """The module's name as residents see it in the menu, else the app's own name."""
    for section in navigation.sections():
        if section.key == app_label:
            return str(section.label)
    return str(apps.get_app_config(app_label).verbose_name)


def _brand(title: str, area: str, label: str) -> Card:
    primary, _accent = theme.brand_colours()
    return Card(
        title=title,
        area=area,
        label=label,
        council=_clean(settings.COUNCIL_NAME),
        site=_clean(settings.SITE_NAME),
        colour=theme.to_hex(primary),
        language=_language(),
    )


def _language() -> str:
    """The active language as one of LANGUAGES (``en``, ``is``), which card addresses use."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGES[0][0]


def card_for_item(obj: models.Model) -> Card:
    """The card of ``obj`` in the active language."""
    return _brand(item_title(obj), item_area(obj), module_label(obj._meta.app_label))


def card_for_page(title: str) -> Card:
    """The card of a page without an item: its title and the portal's name."""
    return _brand(_clean(title) or _clean(settings.SITE_NAME), "", "")


# --- Addresses ---------------------------------------------------------------------------


def item_card_path(obj: models.Model) -> str:
    card = card_for_item(obj)
    return reverse(
        "core:share-card",
        kwargs={
            "key": obj._meta.label_lower,
            "pk": obj.pk,
            "language": card.language,
            "digest": card.digest,
        },
    )


def page_title_sign(title: str) -> str:
    return signing.Signer(salt=_PAGE_TITLE_SALT).sign(_clean(title))


def page_title_unsign(signed: str) -> str:
    """The title signed by ``page_title_sign``; ``signing.BadSignature`` otherwise."""
    return signing.Signer(salt=_PAGE_TITLE_SALT).unsign(signed)


def page_card_path(title: str) -> str:
    card = card_for_page(title)
    path = reverse(
        "core:share-card-page", kwargs={"language": card.language, "digest": card.digest}
    )
    return f"{path}?{urlencode({'t': page_title_sign(card.title)})}"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# --- Which items get a card ---------------------------------------------------------------


def item_get(key: str, pk: int) -> models.Model:
    """The item ``key`` (``app_label.model``) ``pk``; ``ObjectDoesNotExist`` when there is
    none or it has no page of its own."""
    try:
        model = apps.get_model(key)
    except (LookupError, ValueError):
        raise ObjectDoesNotExist(key) from None
    if not hasattr(model, "get_absolute_url"):
        raise ObjectDoesNotExist(key)
    return model._default_manager.get(pk=pk)


def item_is_public(obj: models.Model, *, request: HttpRequest) -> bool:
    """Whether an anonymous visitor is shown the item's own page.

    Each module decides who sees what in its detail view (drafts, moderation, phases), so
    the card asks that view rather than repeating its rules: the view is called as an
    anonymous visitor without cookies, and only an answer of 200 counts. A redirect (to
    sign in, or to a merged item), 403 or 404 means no card.
    """
    try:
        path = urlsplit(obj.get_absolute_url()).path
        match = resolve(path)
    except (Resolver404, NoReverseMatch):
        return False
    probe = HttpRequest()
    probe.method = "GET"
    probe.path = probe.path_info = path
    carried = ("SERVER_NAME", "SERVER_PORT", "HTTP_HOST", "wsgi.url_scheme", "SERVER_PROTOCOL")
    probe.META = {name: request.META[name] for name in carried if name in request.META}
    probe.META.update(REQUEST_METHOD="GET", PATH_INFO=path, QUERY_STRING="")
    if request.is_secure():
        probe.META.setdefault("HTTP_X_FORWARDED_PROTO", "https")
    probe.user = AnonymousUser()
    # A fresh session that is never saved: nothing the view stores reaches a cookie.
    probe.session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    probe._messages = message_storage(probe)
    probe.LANGUAGE_CODE = translation.get_language()
    probe.htmx = HtmxDetails(probe)
    # As the handler sets it: the page is the one any anonymous visitor gets, so a page
    # cache may keep the copy this renders (civicportal/core/pagecache.py).
    probe.resolver_match = match
    try:
        response = match.func(probe, *match.args, **match.kwargs)
    except (Http404, PermissionDenied, ObjectDoesNotExist):
        return False
    return response.status_code == 200


# --- Drawing -------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def font(size: int, *, bold: bool = True) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_BOLD if bold else _REGULAR), size)


def _width(text: str, face: ImageFont.FreeTypeFont) -> float:
    return face.getlength(text)


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Words onto lines no wider than ``width``; a word wider than a line is cut in pieces."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, face) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and _width(line + char, face) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


@dataclass(frozen=True)
class TitleLayout:
    size: int
    lines: list[str]

    @property
    def line_height(self) -> int:
        return round(self.size * _LINE_SPACING)


def title_layout(title: str, *, max_lines: int = MAX_TITLE_LINES) -> TitleLayout:
    """The largest size at which ``title`` fits the title box in at most ``max_lines``
    lines; at the smallest size, the lines that fit with an ellipsis at the end."""
    left, top, right, bottom = _TITLE_BOX
    width, height = right - left, bottom - top
    for size in _TITLE_SIZES:
        layout = TitleLayout(size, _wrap(title, font(size), width))
        allowed = min(max_lines, height // layout.line_height)
        if len(layout.lines) <= allowed:
            return layout
    size = _TITLE_SIZES[-1]
    face = font(size)
    allowed = max(1, min(max_lines, height // TitleLayout(size, []).line_height))
    lines = _wrap(title, face, width)[:allowed]
    last = lines[-1]
    while last and _width(last.rstrip() + _ELLIPSIS, face) > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + _ELLIPSIS
    return TitleLayout(size, lines)


def _fit(text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    """``text`` on one line, cut with an ellipsis if wider than ``width``."""
    if _width(text, face) <= width:
        return text
    while text and _width(text + _ELLIPSIS, face) > width:
        text = text[:-1]
    return text.rstrip() + _ELLIPSIS


def card_render(card: Card) -> bytes:
    """The card as a PNG: title in white on the council's colour, the module's name above
    it, the area below, and a light band with the council's and the portal's names."""
    primary = theme.parse_hex(card.colour) or theme.parse_hex(theme.DEFAULT_PRIMARY)
    # The theme guarantees white text on the primary colour reads (theme's contrast check);
    # the quieter lines are a tint of it, still well above 4.5:1 on dark brand colours.
    tint = theme.mix(primary, theme.WHITE, 0.8)
    band_text = theme.mix(primary, theme.BLACK, 0.35)
    image = Image.new("RGB", (WIDTH, HEIGHT), primary)
    draw = ImageDraw.Draw(image)
    text_width = WIDTH - 2 * _MARGIN

    if card.label:
        label = _fit(card.label.upper(), font(30), text_width)
        draw.text((_MARGIN, 70), label, font=font(30), fill=tint)

    layout = title_layout(card.title)
    left, top, _right, _bottom = _TITLE_BOX
    for number, line in enumerate(layout.lines):
        y = top + number * layout.line_height
        draw.text((left, y), line, font=font(layout.size), fill=theme.WHITE)

    if card.area:
        area_top = top + len(layout.lines) * layout.line_height + 12
        face = font(34, bold=False)
        draw.text((_MARGIN, area_top), _fit(card.area, face, text_width), font=face, fill=tint)

    band_top = HEIGHT - 100
    draw.rectangle((0, band_top, WIDTH, HEIGHT), fill=theme.mix(primary, theme.WHITE, 0.92))
    council_face, site_face = font(36), font(30, bold=False)
    site = _fit(card.site, site_face, text_width // 3)
    site_width = _width(site, site_face)
    council = _fit(card.council, council_face, text_width - int(site_width) - 40)
    draw.text((_MARGIN, band_top + 28), council, font=council_face, fill=band_text)
    draw.text((WIDTH - _MARGIN - site_width, band_top + 33), site, font=site_face, fill=band_text)

    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def card_png(card: Card) -> bytes:
    """The card's PNG, drawn on first request and then read from the default storage.

    Two first requests at once may both draw it; the digest names the same picture, so
    whichever copy is kept is right, and the other one is removed.
    """
    name = f"{STORAGE_DIR}/{card.digest}.png"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    png = card_render(card)
    saved = default_storage.save(name, ContentFile(png))
    if saved != name:
        default_storage.delete(saved)
    return png
