"""The API: public reads, and staff actions through the same services (two-person rule)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from alerts.models import Alert, CapStatus
from tests.accounts.factories import UserFactory
from tests.alerts.factories import approver, area, author, published

pytestmark = pytest.mark.django_db


def _draft(where) -> dict:
    return {
        "headline": "Boil your water", "event": "Water contamination", "category": "Health",
        "severity": "Moderate", "urgency": "Expected", "certainty": "Likely",
        "instruction": "Boil tap water before drinking.", "description": "E. coli found.",
        "areas": [where.slug], "expires": (timezone.now() + timedelta(hours=3)).isoformat(),
    }  # fmt: skip


def test_public_reads_exclude_exercises_and_filter():
    here = area()
    real = published(areas=[here])
    published(status=CapStatus.EXERCISE)
    client = APIClient()
    data = client.get("/api/v1/alerts/").json()
    assert [a["id"] for a in data["results"]] == [real.pk]
    assert data["results"][0]["messages"][0]["cap_url"].endswith(".xml")
    assert client.get("/api/v1/alerts/?show=past").json()["results"] == []
    assert client.get(f"/api/v1/alerts/?area={here.slug}&show=active").json()["count"] == 1
    assert client.get(f"/api/v1/alerts/{real.pk}/").status_code == 200


def test_two_person_rule_through_the_api():
    where = area()
    by, second = author(), approver()
    by.groups.add(*approver().groups.all())  # even holding both roles, not their own
    client = APIClient()
    client.force_authenticate(by)
    created = client.post("/api/v1/alerts/drafts/", _draft(where), format="json")
    assert created.status_code == 201, created.json()
    message_id = created.json()["messages"][0]["id"]
    assert client.post(f"/api/v1/alerts/messages/{message_id}/submit/").status_code == 200
    url = f"/api/v1/alerts/messages/{message_id}/approve/"
    version = client.get(url).json()["version"]
    refused = client.post(url, {"version": version}, format="json")
    assert refused.status_code == 403
    assert "two-person rule" in refused.json()["error"]["message"]
    client.force_authenticate(second)
    review = client.get(url).json()
    assert review["headline"] == "Boil your water" and review["version"] == version
    approved = client.post(url, {"version": version}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "published"


def test_api_refuses_residents_and_bad_input_clearly():
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.post("/api/v1/alerts/drafts/", _draft(area()), format="json").status_code == 403
    client.force_authenticate(author())
    bad = client.post(
        "/api/v1/alerts/drafts/", {**_draft(area()), "polygons": ["1,2 3"]}, format="json"
    )
    assert bad.status_code == 400 and "polygons" in bad.json()["error"]["fields"]
    assert not Alert.objects.exists()


def test_update_and_cancel_through_the_api():
    by = author()
    alert = published(by=by, areas=[area()])
    client = APIClient()
    client.force_authenticate(by)
    update = client.post(
        f"/api/v1/alerts/{alert.pk}/update/", {**_draft(area()), "note": "New"}, format="json"
    )
    assert update.status_code == 201
    cancel = client.post(f"/api/v1/alerts/{alert.pk}/cancel/", {"note": "All clear"}, format="json")
    assert cancel.status_code == 200 and cancel.json()["state"] == "cancelled"
    # The all-clear went out; the note waits for a second person.
    states = [(m["msg_type"], m["state"]) for m in cancel.json()["messages"]]
    assert states[-2:] == [("Cancel", "published"), ("Cancel", "pending")]
    again = client.post(f"/api/v1/alerts/{alert.pk}/cancel/", {"note": "Again"}, format="json")
    assert again.status_code == 400
