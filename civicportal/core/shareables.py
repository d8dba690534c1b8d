"""The public items the council can announce on its social accounts, each kind a small
registered adapter: the staff's post screen offers them, pre-fills a post from one and
links it.

Each module registers one ``Source`` per kind of item it owns, from ``AppConfig.ready()``::

    from civicportal.core import shareables

    shareables.register(shareables.Source(
        kind="consultations.opening",
        label=_("A consultation opens"),
        recent=lambda limit: [...],   # the newest public items, as SourceItems
        get=lambda pk: ...,           # one public item, or None when it is not public
    ))

Only public items are offered and accepted: a draft, a hidden idea or an exercise alert is
``None`` from ``get``, so nothing private reaches a post whatever the request says.
``approval_permission`` names a permission the approver must hold as well (an alert's
posts pass the alert's own two-person rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class SourceItem:
    """One public item as the compose screen shows and pre-fills it."""

    kind: str
    pk: int
    title: str
    url: str  # the item's public path
    description: str  # the card's description
    text: str  # the post's suggested words, before the link
    when: datetime | None = None
    thread: str = ""


@dataclass(frozen=True)
class Source:
    kind: str
    label: str | Promise
    recent: Callable[[int], list[SourceItem]]
    get: Callable[[int], SourceItem | None]
    approval_permission: str = ""
    order: int = 100


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add (or replace, by ``kind``) a source. Safe to call twice from ``ready()``."""
    _SOURCES[source.kind] = source
    return source


def unregister(kind: str) -> None:
    _SOURCES.pop(kind, None)


def approval_permission(kind: str) -> str:
    """The permission an approver of a post about ``kind`` must hold too ("" if none)."""
    source = _SOURCES.get(str(kind or ""))
    return source.approval_permission if source else ""


def source_list() -> list[Source]:
    return sorted(_SOURCES.values(), key=lambda source: (source.order, source.kind))


def source_get(kind: str) -> Source:
    """The source of ``kind``; ``ValidationError`` when no module registered it."""
    source = _SOURCES.get(str(kind or ""))
    if source is None:
        raise ValidationError(
            _("There is no kind of item called “%(kind)s” to post about.") % {"kind": kind},
            code="unknown_source",
        )
    return source


def item_get(kind: str, pk: object) -> SourceItem:
    """The public item ``kind``/``pk``; ``ValidationError`` when unknown or not public."""
    source = source_get(kind)
    try:
        item_id = int(str(pk))
    except (TypeError, ValueError):
        item_id = 0
    item = source.get(item_id) if item_id > 0 else None
    if item is None:
        raise ValidationError(
            _("This item does not exist or is not public, so it cannot be posted about."),
            code="unknown_item",
        )
    return item


def one_line(text: str) -> str:
    """``text`` on one line (a description or an answer written with line breaks)."""
    return " ".join(str(text or "").split())


DESCRIPTION_LENGTH = 300


def short(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    """``text`` on one line, cut with "…" to ``length`` characters (a card's description)."""
    text = one_line(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
