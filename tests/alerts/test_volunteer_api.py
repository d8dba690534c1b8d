"""The volunteer call-outs API: residents' register, call-outs and answers; staff reads."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from alerts.models import CallOutResponse, VolunteerRegistration
from tests.accounts.factories import UserFactory
from tests.alerts.factories import approver, area
from tests.alerts.volunteer_factories import callout, skill, volunteer

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_resident_registers_changes_reads_and_leaves():
    resident = UserFactory()
    here = area(slug="harbour")
    skill("First aid")
    client = _client(resident)
    assert client.get("/api/v1/alerts/volunteer/").status_code == 404
    response = client.put(
        "/api/v1/alerts/volunteer/",
        {"skills": ["First aid"], "areas": ["harbour"], "availability": "Nights", "consent": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["skills"] == ["First aid"]
    assert list(VolunteerRegistration.objects.get(user=resident).areas.all()) == [here]
    assert client.get("/api/v1/alerts/volunteer/").json()["availability"] == "Nights"
    assert client.delete("/api/v1/alerts/volunteer/").status_code == 204
    assert not VolunteerRegistration.objects.exists()


def test_register_refuses_bad_input_and_stores_nothing():
    client = _client(UserFactory())
    for body in (
        {"skills": ["Juggling"], "areas": [], "consent": True},
        {"skills": [], "areas": [], "consent": False},
        {"skills": [], "areas": [], "availability": "Night\x07s", "consent": True},
    ):
        response = client.put("/api/v1/alerts/volunteer/", body, format="json")
        assert response.status_code == 400, body
    assert not VolunteerRegistration.objects.exists()


def test_volunteer_lists_callouts_and_answers_and_full_callout_is_a_400():
    posted = callout(needed=1, task="Rest centre shifts")
    first, second = volunteer(), volunteer()
    listed = _client(first).get("/api/v1/alerts/volunteer/callouts/").json()
    assert [row["callout"]["task"] for row in listed] == ["Rest centre shifts"]
    assert listed[0]["answer"] is None
    url = f"/api/v1/alerts/volunteer/callouts/{posted.pk}/answer/"
    assert _client(first).post(url, {"answer": "accepted"}, format="json").status_code == 200
    refused = _client(second).post(url, {"answer": "accepted"}, format="json")
    assert refused.status_code == 400
    assert "already taken" in refused.content.decode()
    assert _client(second).post(url, {"answer": "maybe"}, format="json").status_code == 400
    assert CallOutResponse.objects.filter(callout=posted).count() == 1


def test_staff_read_rosters_residents_may_not():
    posted = callout()
    helper = volunteer()
    _client(helper).post(
        f"/api/v1/alerts/volunteer/callouts/{posted.pk}/answer/",
        {"answer": "accepted"},
        format="json",
    )
    staff = _client(approver())
    roster = staff.get(f"/api/v1/alerts/callouts/{posted.pk}/roster/").json()
    assert [row["email"] for row in roster["responses"]] == [helper.email]
    assert staff.get("/api/v1/alerts/callouts/").json()[0]["id"] == posted.pk
    assert _client(helper).get(f"/api/v1/alerts/callouts/{posted.pk}/roster/").status_code == 403
    assert APIClient().get("/api/v1/alerts/volunteer/callouts/").status_code in (401, 403)
