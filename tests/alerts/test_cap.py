"""Every CAP document the app produces validates against the OASIS CAP 1.2 schema, and the
Atom feeds parse."""

from __future__ import annotations

import feedparser
import pytest
from django.test import Client
from lxml import etree

from alerts import services
from alerts.cap import CAP_NAMESPACE, cap_document
from alerts.models import CapStatus
from tests.alerts.factories import approver, area, author, content, published
from tests.data_files import data_file

pytestmark = pytest.mark.django_db

# The OASIS CAP 1.2 schema, kept in the repository (tests/data/README.md); a missing file
# fails the collection of this module with an error naming it.
SCHEMA = etree.XMLSchema(etree.parse(str(data_file("cap/cap12.xsd"))))
NS = {"cap": CAP_NAMESPACE}


def valid(document: bytes) -> etree._Element:
    root = etree.fromstring(document)
    SCHEMA.assertValid(root)
    return root


def fetch(client: Client, message) -> etree._Element:
    response = client.get(f"/alerts/cap/{message.identifier}.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    return valid(response.content)


def test_alert_update_and_cancel_documents_validate_and_reference_earlier(client):
    by = author()
    alert = published(by=by)
    first = fetch(client, alert.current_message)
    assert first.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert first.findtext("cap:sent", namespaces=NS).endswith("+00:00")
    assert "Z" not in first.findtext("cap:info/cap:expires", namespaces=NS)
    polygon = first.findtext("cap:info/cap:area/cap:polygon", namespaces=NS)
    pairs = polygon.split()
    assert pairs[0] == pairs[-1] and len(pairs) >= 4
    assert pairs[0] == "52.08,-1.94"  # lat,lon from the GeoJSON [lon, lat]

    update = services.alert_update(actor=by, alert=alert, content=content(headline="Worse"))
    services.alert_approve(
        actor=approver(), message=update, version=services.message_version(update)
    )
    update_doc = fetch(client, update)
    assert update_doc.findtext("cap:msgType", namespaces=NS) == "Update"
    reference = update_doc.findtext("cap:references", namespaces=NS)
    _sender, identifier, sent = reference.split(",")
    assert identifier == alert.messages.get(sequence=1).identifier and sent.endswith("+00:00")

    cancel = services.alert_cancel(actor=by, alert=alert, note="All clear.")
    cancel_doc = fetch(client, cancel)
    assert cancel_doc.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert len(cancel_doc.findtext("cap:references", namespaces=NS).split()) == 2
    assert cancel_doc.findtext("cap:info/cap:responseType", namespaces=NS) == "AllClear"


def test_exercise_document_validates_and_is_hidden_from_the_public(client):
    alert = published(status=CapStatus.EXERCISE)
    message = alert.current_message
    root = valid(cap_document(message))
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"
    assert client.get(f"/alerts/cap/{message.identifier}.xml").status_code == 404
    staff = Client()
    staff.force_login(author())
    assert staff.get(f"/alerts/cap/{message.identifier}.xml").status_code == 200


def test_polygon_circle_and_two_languages_validate():
    alert = published(
        areas=[area()],
        polygons=[[[52.085, -1.93], [52.095, -1.93], [52.095, -1.92], [52.085, -1.93]]],
        circles=[[52.09, -1.9, 1.5]],
        area_description="Near the chemical plant",
        second_language="is",
        second_headline="Flóð við höfnina",
        second_description="Áin flæðir yfir bakka sína.",
        second_instruction="Haldið ykkur frá ánni.",
    )
    root = valid(cap_document(alert.current_message))
    infos = root.findall("cap:info", namespaces=NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["en", "is"]
    drawn = infos[0].findall("cap:area", namespaces=NS)[-1]
    assert drawn.findtext("cap:circle", namespaces=NS) == "52.09,-1.9 1.5"
    assert drawn.findtext("cap:polygon", namespaces=NS).split()[0] == "52.085,-1.93"


def test_test_status_draft_preview_validates():
    from tests.alerts.factories import draft

    alert = draft(status=CapStatus.TEST)
    valid(cap_document(alert.messages.get()))


def test_atom_feeds_parse_and_cap_index_links_cap_documents(client):
    by = author()
    alert = published(by=by)
    published(status=CapStatus.EXERCISE, headline="Drill only")
    services.alert_cancel(actor=by, alert=alert, note="Over")

    people = feedparser.parse(client.get("/alerts/feed/").content)
    assert not people.bozo, people.bozo_exception
    titles = [entry.title for entry in people.entries]
    assert titles[0].startswith("All clear") and len(titles) == 2
    assert all("Drill" not in title for title in titles)

    index = feedparser.parse(client.get("/alerts/cap.atom").content)
    assert not index.bozo, index.bozo_exception
    assert len(index.entries) == 2
    for entry in index.entries:
        cap_links = [link for link in entry.links if link.type == "application/cap+xml"]
        assert len(cap_links) == 1
        path = cap_links[0].href.split("://", 1)[1].split("/", 1)[1]
        valid(client.get("/" + path).content)
