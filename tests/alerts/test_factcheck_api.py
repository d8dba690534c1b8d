"""Rumour control's API: public reads, a resident's question (bad input refused, 429 past
the limit), the two-person rule on approval, and the OpenAPI schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from alerts.models import FactCheck, FactCheckQuestion
from alerts.services import factchecks as services
from tests.accounts.factories import UserFactory
from tests.alerts.factcheck_factories import draft, pending, published_standalone
from tests.alerts.factories import approver, author, published
from tests.proposals.factories import jpeg_with_gps

pytestmark = pytest.mark.django_db


def test_public_reads_list_published_fact_checks_and_filter():
    alert = published()
    by = author()
    about = pending(by=by, alert=alert, verdict="misleading")
    services.factcheck_approve(
        actor=approver(), fact_check=about, version=services.factcheck_version(about)
    )
    standalone = published_standalone()
    hidden = draft()
    client = APIClient()
    data = client.get("/api/v1/rumours/").json()
    assert {item["id"] for item in data["results"]} == {about.pk, standalone.pk}
    item = next(i for i in data["results"] if i["id"] == about.pk)
    assert item["verdict"] == "misleading" and item["rating"] == 2 and item["incident"] == alert.pk
    assert item["sources"][0]["url"].startswith("https://")
    assert client.get(f"/api/v1/rumours/?incident={alert.pk}").json()["count"] == 1
    assert client.get("/api/v1/rumours/?verdict=false").json()["count"] == 1
    assert client.get("/api/v1/rumours/?verdict=perhaps").status_code == 400
    assert client.get(f"/api/v1/rumours/{standalone.pk}/").status_code == 200
    assert client.get(f"/api/v1/rumours/{hidden.pk}/").status_code == 404


def test_resident_asks_through_the_api_with_a_screenshot():
    resident = UserFactory()
    client = APIClient()
    assert client.post("/api/v1/rumours/questions/", {"text": "True?"}).status_code in (401, 403)
    client.force_authenticate(resident)
    created = client.post(
        "/api/v1/rumours/questions/",
        {
            "text": "Is the bridge shut?",
            "link": "https://example.org/p",
            "screenshot": jpeg_with_gps(),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    asked = FactCheckQuestion.objects.get(user=resident)
    assert created.json()["id"] == asked.pk and asked.screenshot
    asked.screenshot.delete(save=False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "True?", "link": "javascript:alert(1)"}, "link"),
        ({"text": "Tru\x1be?"}, "text"),
        ({"text": "True?", "incident": 999999}, "incident"),
    ],
)
def test_bad_questions_through_the_api_are_400_and_store_nothing(body, field):
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.post("/api/v1/rumours/questions/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    assert not FactCheckQuestion.objects.exists()


def test_api_questions_past_the_limit_answer_429(settings):
    settings.ALERTS_FACTCHECK_QUESTION_RATE_LIMIT = 1
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert (
        client.post("/api/v1/rumours/questions/", {"text": "A?"}, format="json").status_code == 201
    )
    assert (
        client.post("/api/v1/rumours/questions/", {"text": "B?"}, format="json").status_code == 429
    )
    assert FactCheckQuestion.objects.count() == 1


def test_self_approval_is_refused_through_the_api():
    by = approver()
    by.groups.add(*author().groups.all())  # even holding both roles, not their own
    fact_check = pending(by=by, alert=published())
    client = APIClient()
    client.force_authenticate(by)
    url = f"/api/v1/rumours/{fact_check.pk}/approve/"
    version = client.get(url).json()["version"]
    refused = client.post(url, {"version": version}, format="json")
    assert refused.status_code == 403
    assert "two-person rule" in refused.json()["error"]["message"]
    assert FactCheck.objects.get(pk=fact_check.pk).state == FactCheck.State.PENDING
    client.force_authenticate(approver())
    stale = client.post(url, {"version": "0" * 64}, format="json")
    assert stale.status_code == 409
    approved = client.post(url, {"version": version}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "published"


def test_residents_cannot_reach_the_approval_api():
    fact_check = pending(by=author(), alert=published())
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get(f"/api/v1/rumours/{fact_check.pk}/approve/").status_code == 403


def test_openapi_schema_describes_rumour_control():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    assert "/api/v1/rumours/" in paths and "/api/v1/rumours/questions/" in paths
    assert (
        "multipart/form-data"
        in paths["/api/v1/rumours/questions/"]["post"]["requestBody"]["content"]
    )
    assert "VerdictEnum" in schema["components"]["schemas"]
