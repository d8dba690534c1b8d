"""Atom feeds: alerts for people (``/alerts/feed/``) and the CAP index for aggregators
(``/alerts/cap.atom``, each entry linking its CAP document as ``application/cap+xml``).

Only real (Actual) published messages appear: exercises and tests never do. Every text
from a message goes through ``xml_text``, so a control character stored in one cannot
make the feed fail.
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from alerts import selectors
from alerts.cap import CAP_CONTENT_TYPE
from alerts.models import AlertMessage
from alerts.validators import xml_text


class AlertFeed(Feed):
    feed_type = Atom1Feed
    description_template = None

    def title(self) -> str:
        return _("Emergency alerts from %(council)s") % {"council": settings.COUNCIL_NAME}

    def subtitle(self) -> str:
        return _("Alerts, updates and all-clears, newest first.")

    def link(self) -> str:
        return reverse("alerts:alert-list")

    def feed_url(self) -> str:
        return reverse("alerts:feed")

    def items(self):
        return selectors.message_list_public(limit=50)

    def item_title(self, item: AlertMessage) -> str:
        headline = xml_text(item.headline)
        if item.msg_type == "Cancel":
            return _("All clear: %(headline)s") % {"headline": headline}
        if item.msg_type == "Update":
            return _("Update: %(headline)s") % {"headline": headline}
        return headline

    def item_description(self, item: AlertMessage) -> str:
        return xml_text(f"{item.instruction}\n\n{item.description}")

    def item_link(self, item: AlertMessage) -> str:
        return item.alert.get_absolute_url()

    item_guid_is_permalink = False

    def item_pubdate(self, item: AlertMessage):
        return item.sent

    def item_updateddate(self, item: AlertMessage):
        return item.sent

    def item_categories(self, item: AlertMessage):
        return [xml_text(item.category), xml_text(item.severity)]

    def item_guid(self, item: AlertMessage) -> str:
        return xml_text(item.identifier)


class _CapAtom(Atom1Feed):
    """Atom entries whose link is the CAP document itself (``type="application/cap+xml"``)."""

    def add_item_elements(self, handler, item):
        cap_url = item.pop("cap_url")
        super().add_item_elements(handler, item)
        handler.addQuickElement(
            "link", "", {"rel": "alternate", "type": CAP_CONTENT_TYPE, "href": cap_url}
        )


class CapIndexFeed(AlertFeed):
    feed_type = _CapAtom

    def title(self) -> str:
        return _("CAP alerts from %(council)s") % {"council": settings.COUNCIL_NAME}

    def link(self) -> str:
        return reverse("alerts:cap-index")

    def feed_url(self) -> str:
        return reverse("alerts:cap-index")

    def item_extra_kwargs(self, item: AlertMessage) -> dict:
        return {"cap_url": urljoin(settings.SITE_URL + "/", item.get_absolute_url())}
