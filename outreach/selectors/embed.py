"""The embeddable widget: which widgets there are, and which sites may frame them.

The widget is a small page of the portal that a council's own website shows in an iframe
(``outreach/static/outreach/embed.js`` makes the iframe and sizes it). Its content comes from
each module's public reads, through the template tags the home page uses already
(``consultations_home``, ``proposals_home_ideas``, ``banner_alerts``), so this app imports
no other domain app; a widget whose module is not installed does not exist.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Browsers and shared caches may keep a widget this long; an alert appears within a minute.
EMBED_MAX_AGE = 60
# A scheme and a host name (or IPv4 address), with an optional port, and nothing else: the
# value goes into a response header, so nothing but an origin may pass.
_ORIGIN = re.compile(
    r"^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$"
)


@dataclass(frozen=True)
class EmbedWidget:
    key: str
    app_label: str
    title: str | Promise
    template_name: str
    list_url_name: str


WIDGETS = (
    EmbedWidget(
        key="consultations",
        app_label="consultations",
        title=_("Open consultations"),
        template_name="outreach/embed/consultations.html",
        list_url_name="consultations:consultation-list",
    ),
    EmbedWidget(
        key="ideas",
        app_label="proposals",
        title=_("Residents' ideas"),
        template_name="outreach/embed/ideas.html",
        list_url_name="proposals:idea-list",
    ),
    EmbedWidget(
        key="alerts",
        app_label="alerts",
        title=_("Emergency alerts"),
        template_name="outreach/embed/alerts.html",
        list_url_name="alerts:alert-list",
    ),
)


def embed_widget_list() -> list[EmbedWidget]:
    """The widgets whose module is installed."""
    return [widget for widget in WIDGETS if apps.is_installed(widget.app_label)]


def embed_widget_get(key: str) -> EmbedWidget:
    """The widget ``key``; ``LookupError`` when there is none (or its module is absent)."""
    for widget in embed_widget_list():
        if widget.key == key:
            return widget
    raise LookupError(key)


def _configured_parents() -> list[str]:
    value = settings.EMBED_ALLOWED_PARENTS
    if isinstance(value, str):
        value = value.split(",")
    return [str(entry).strip() for entry in value if str(entry).strip()]


def embed_parents_invalid() -> list[str]:
    """Configured entries that are not origins (``https://www.example.org``): ignored."""
    return [entry for entry in _configured_parents() if not _ORIGIN.match(entry.lower())]


def embed_allowed_parents() -> list[str]:
    """The origins of the sites that may show the widget, from ``EMBED_ALLOWED_PARENTS``."""
    parents = []
    for entry in _configured_parents():
        origin = entry.lower()
        if _ORIGIN.match(origin):
            if origin not in parents:
                parents.append(origin)
        else:
            logger.warning("EMBED_ALLOWED_PARENTS: %r is not an origin; it is ignored.", entry)
    return parents


def embed_frame_ancestors() -> list[str]:
    """The CSP ``frame-ancestors`` sources of a widget: the allowed parents, else none."""
    return embed_allowed_parents() or ["'none'"]


def embed_language(requested: str | None, default: str) -> str:
    """The language the parent page asks for (``?lang=is``), if the portal speaks it."""
    code = (requested or "").strip().lower()[:2]
    return code if code in dict(settings.LANGUAGES) else default
