from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from civicportal.accounts.models import Area
from civicportal.kernel.models import ApiToken

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The API's one error format: {"error": {"status", "code", "message", ["fields"]}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def areas():
    return [
        Area.objects.create(name=f"Area {index:02d}", slug=f"area-{index:02d}")
        for index in range(25)
    ]


def test_schema_generates_without_warnings():
    out = io.StringIO()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out
    )
    schema = json.loads(out.getvalue())
    assert {"/api/v1/areas/", "/api/v1/me/", "/api/v1/me/token/"} <= set(schema["paths"])
    # The one error format is part of the contract: documented on every operation.
    assert "Error" in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert "4XX" in operation["responses"], f"{method.upper()} {path}"


def test_schema_is_served(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/me/" in response.json()["paths"]


def test_docs_page_uses_only_local_static_files(api, uncollected_static):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert re.search(r"<script>\s*\S", html) is None, "the CSP forbids inline scripts"
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references
    for reference in references:
        assert reference.startswith(("/static/", "/api/docs/")), reference

    script = api.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_areas_list_is_paginated(api, areas):
    response = api.get("/api/v1/areas/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert body["next"].endswith("/api/v1/areas/?page=2")
    assert body["results"][0]["slug"] == "area-00"

    second = api.get("/api/v1/areas/", {"page": 2})
    assert [a["slug"] for a in second.json()["results"]] == [f"area-{i}" for i in range(20, 25)]

    smaller = api.get("/api/v1/areas/", {"page_size": 5})
    assert len(smaller.json()["results"]) == 5


def test_area_detail_and_missing_area(api, areas):
    response = api.get("/api/v1/areas/area-03/")
    assert response.status_code == 200
    assert response.json()["name"] == "Area 03"
    assert_error(api.get("/api/v1/areas/nowhere/"), 404, "not_found")


def test_me_requires_authentication(api):
    error = assert_error(api.get("/api/v1/me/"), 401, "not_authenticated")
    assert "credentials" in error["message"].lower()
    assert_error(api.patch("/api/v1/me/", {}, format="json"), 401, "not_authenticated")


def test_me_reads_the_profile_with_a_session(api, user):
    api.force_login(user)
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == "resident@example.org"
    assert response.json()["display_name"] == "Pat Resident"


def test_me_patch_updates_through_the_service(api, user, areas):
    api.force_login(user)
    response = api.patch(
        "/api/v1/me/",
        {"display_name": "Pat R.", "preferred_language": "is", "home_area": "area-02"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["home_area"] == "area-02"
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language, user.home_area.slug) == (
        "Pat R.",
        "is",
        "area-02",
    )


def test_me_patch_with_an_unknown_language_is_refused_and_changes_nothing(api, user):
    api.force_login(user)
    response = api.patch(
        "/api/v1/me/", {"display_name": "Changed", "preferred_language": "xx"}, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"preferred_language"}
    assert "xx" in error["message"]
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language) == ("Pat Resident", "en")


def test_me_patch_cannot_change_the_email(api, user):
    api.force_login(user)
    response = api.patch("/api/v1/me/", {"email": "someone@else.org"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email == "resident@example.org"


def test_token_lifecycle_create_use_rotate_revoke(api, user):
    api.force_login(user)
    assert api.get("/api/v1/me/token/").json() == {
        "exists": False,
        "created": None,
        "expiry": None,
        "second_factor": None,
    }

    created = api.post("/api/v1/me/token/")
    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    first_key = created.json()["key"]
    assert created.json()["expiry"] is not None
    status = api.get("/api/v1/me/token/").json()
    assert status["exists"] is True
    assert status["expiry"] == created.json()["expiry"]
    assert "key" not in status  # the key is shown once, when it is made

    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {first_key}")
    me = with_token.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == user.email

    second_key = api.post("/api/v1/me/token/").json()["key"]
    assert second_key != first_key
    assert ApiToken.objects.filter(user=user).count() == 1
    assert_error(with_token.get("/api/v1/me/"), 401, "authentication_failed")
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {second_key}")
    assert with_token.get("/api/v1/me/").status_code == 200

    assert api.delete("/api/v1/me/token/").status_code == 204
    assert api.delete("/api/v1/me/token/").status_code == 204  # revoking twice is harmless
    assert not ApiToken.objects.filter(user=user).exists()
    assert_error(with_token.get("/api/v1/me/"), 401, "authentication_failed")


def test_token_endpoint_requires_authentication(api):
    assert_error(api.post("/api/v1/me/token/"), 401, "not_authenticated")
    assert not ApiToken.objects.exists()


def test_session_writes_need_the_csrf_token(user):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(user)
    error = assert_error(api.post("/api/v1/me/token/"), 403, "permission_denied")
    assert "CSRF" in error["message"]
    assert not ApiToken.objects.exists()


def test_throttling_answers_429_in_the_error_format(api, monkeypatch):
    # DRF binds the rates when it is imported, so the test sets them on the throttle class.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": None})
    assert api.get("/api/v1/areas/").status_code == 200
    assert api.get("/api/v1/areas/").status_code == 200
    response = api.get("/api/v1/areas/")
    error = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert "throttled" in error["message"].lower()
