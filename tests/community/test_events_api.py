"""The events API: public reads, residents' sign-up and cancel, refusals as 4xx, and the
OpenAPI schema holding them."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from community.models import EventSignup
from community.services import events as services
from tests.accounts.factories import AreaFactory, UserFactory
from tests.community.factories_events import event, event_fields, organiser

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_list_and_detail_are_public_and_filtered(api):
    harbour = AreaFactory(slug="harbourside")
    event(title="Harbour clean-up", area=harbour)
    event(title="Garden day", kind="garden")
    titles = [e["title"] for e in api.get("/api/v1/events/").json()["results"]]
    assert titles == ["Harbour clean-up", "Garden day"]
    only = api.get("/api/v1/events/", {"area": "harbourside"}).json()["results"]
    assert [e["title"] for e in only] == ["Harbour clean-up"]
    only = api.get("/api/v1/events/", {"kind": "garden"}).json()["results"]
    assert [e["title"] for e in only] == ["Garden day"]
    assert api.get("/api/v1/events/", {"kind": "party"}).status_code == 400
    assert api.get("/api/v1/events/", {"area": "nowhere"}).status_code == 400
    detail = api.get(f"/api/v1/events/{only[0]['id']}/").json()
    assert detail["places_left"] == 10 and detail["ical_url"].endswith("/event.ics")


def test_pending_event_is_not_readable(api, settings):
    settings.COMMUNITY_RESIDENT_EVENTS = True
    pending = services.event_create(actor=UserFactory(verified=True), **event_fields())
    assert api.get(f"/api/v1/events/{pending.pk}/").status_code == 404
    assert api.get("/api/v1/events/").json()["results"] == []


def test_resident_signs_up_waits_and_cancels(api):
    made = event(capacity=1)
    api.force_authenticate(UserFactory())
    assert api.post(f"/api/v1/events/{made.pk}/sign-up/").json()["status"] == "confirmed"
    other = APIClient()
    other.force_authenticate(UserFactory())
    waiting = other.post(f"/api/v1/events/{made.pk}/sign-up/")
    assert waiting.status_code == 201
    assert waiting.json()["waiting_position"] == 1
    assert api.post(f"/api/v1/events/{made.pk}/sign-up/cancel/").status_code == 204
    assert api.post(f"/api/v1/events/{made.pk}/sign-up/cancel/").status_code == 404
    assert EventSignup.objects.get(status="confirmed").pk == waiting.json()["id"]


def test_anonymous_and_closed_sign_ups_are_refused(api):
    by = organiser()
    made = event(by=by)
    assert api.post(f"/api/v1/events/{made.pk}/sign-up/").status_code in (401, 403)
    services.event_cancel(actor=by, event=made, reason="Storm")
    api.force_authenticate(UserFactory())
    response = api.post(f"/api/v1/events/{made.pk}/sign-up/")
    assert response.status_code == 400
    assert "not open" in response.json()["error"]["message"]
    assert not EventSignup.objects.exists()


def test_schema_holds_the_events_api():
    out = io.StringIO()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out
    )
    paths = set(json.loads(out.getvalue())["paths"])
    assert {
        "/api/v1/events/",
        "/api/v1/events/{id}/",
        "/api/v1/events/{id}/sign-up/",
        "/api/v1/events/{id}/sign-up/cancel/",
    } <= paths
