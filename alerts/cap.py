"""CAP 1.2 documents (OASIS Common Alerting Protocol) for alert messages.

Each ``AlertMessage`` is one ``<alert>``: the message's identifier, sender and sent time, its
status (Actual/Exercise/Test), msgType and references, then one ``<info>`` per language
and one ``<area>`` per council area (its GeoJSON boundary as CAP polygons) plus one for
the drawn shapes. Timestamps carry an explicit ``+00:00`` offset: the OASIS schema's
pattern refuses ``Z``. Elements follow the schema's sequence order.

Every text goes through ``xml_text``: a character XML 1.0 cannot carry (a control
character stored before the inputs refused them) is left out, so the document stays
well-formed whatever is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urljoin

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from lxml import etree

from alerts import geometry
from alerts.models import AlertMessage
from alerts.validators import xml_text

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_CONTENT_TYPE = "application/cap+xml"
_NS = f"{{{CAP_NAMESPACE}}}"


def cap_datetime(value: datetime | None) -> str:
    """``2026-11-26T14:05:00+00:00``: UTC, whole seconds, explicit offset (never ``Z``)."""
    value = value or timezone.now()
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _NS + name)
    if text is not None:
        element.text = xml_text(text)
    return element


def _info(
    root: etree._Element,
    message: AlertMessage,
    *,
    language: str,
    event: str,
    headline: str,
    description: str,
    instruction: str,
    areas: list,
) -> None:
    info = _sub(root, "info")
    _sub(info, "language", language)
    _sub(info, "category", message.category)
    _sub(info, "event", event)
    _sub(info, "responseType", message.response_type)
    _sub(info, "urgency", message.urgency)
    _sub(info, "severity", message.severity)
    _sub(info, "certainty", message.certainty)
    if message.onset:
        _sub(info, "onset", cap_datetime(message.onset))
    _sub(info, "expires", cap_datetime(message.expires))
    with translation.override(language):
        _sub(info, "senderName", settings.COUNCIL_NAME)
        _sub(info, "headline", headline)
        _sub(info, "description", description)
        if instruction:
            _sub(info, "instruction", instruction)
        _sub(
            info,
            "web",
            message.web or urljoin(settings.SITE_URL + "/", message.alert.get_absolute_url()),
        )
        if message.contact:
            _sub(info, "contact", message.contact)
        for area in areas:
            element = _sub(info, "area")
            _sub(element, "areaDesc", str(area.name))
            for ring in geometry.boundary_rings(area.boundary):
                _sub(element, "polygon", geometry.cap_polygon(ring))
        if message.polygons or message.circles:
            element = _sub(info, "area")
            _sub(element, "areaDesc", message.area_description or _("The area drawn on the map"))
            for ring in message.polygons:
                _sub(element, "polygon", geometry.cap_polygon(ring))
            for circle in message.circles:
                _sub(element, "circle", geometry.cap_circle(circle))


def cap_document(message: AlertMessage) -> bytes:
    """The message as a CAP 1.2 XML document (UTF-8, with an XML declaration).

    A message not yet sent (a draft being previewed) carries the current time as ``sent``.
    """
    alert = message.alert
    root = etree.Element(_NS + "alert", nsmap={None: CAP_NAMESPACE})
    _sub(root, "identifier", message.identifier)
    _sub(root, "sender", message.sender)
    _sub(root, "sent", cap_datetime(message.sent))
    _sub(root, "status", alert.status)
    _sub(root, "msgType", message.msg_type)
    _sub(root, "scope", "Public")
    if message.note:
        _sub(root, "note", message.note)
    if message.references:
        _sub(root, "references", message.references)
    _sub(root, "incidents", f"{message.sender.split('@')[-1]}.incident.{alert.pk}")
    areas = list(message.areas.all())
    _info(
        root,
        message,
        language=message.language,
        event=message.event,
        headline=message.headline,
        description=message.description,
        instruction=message.instruction,
        areas=areas,
    )
    if message.second_language and message.second_headline:
        _info(
            root,
            message,
            language=message.second_language,
            event=message.second_event or message.event,
            headline=message.second_headline,
            description=message.second_description or message.description,
            instruction=message.second_instruction,
            areas=areas,
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
