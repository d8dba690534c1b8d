from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from proposals.models import Idea, IdeaStatus, Point
from tests.proposals.factories import idea_post, jpeg_with_gps, pdf_named_jpg, point_post, vote

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ideas/"


@pytest.fixture
def api():
    return APIClient()


def test_list_filters_sorts_and_hides_hidden(api, resident, other, category):
    a = idea_post(resident, title="Skate park", category=category)
    b = idea_post(resident, title="Library hours", body="Open on Sundays")
    hidden = idea_post(resident, title="Hidden", category=category)
    Idea.objects.filter(pk=hidden.pk).update(moderation_state="hidden")
    vote(other, b)
    body = api.get(BASE, {"sort": "top"}).json()
    assert [i["id"] for i in body["results"]] == [b.pk, a.pk]
    assert [i["id"] for i in api.get(BASE, {"category": "transport"}).json()["results"]] == [a.pk]
    assert [i["id"] for i in api.get(BASE, {"q": "sundays"}).json()["results"]] == [b.pk]
    first = api.get(BASE, {"sort": "random", "seed": 5}).json()["results"]
    assert first == api.get(BASE, {"sort": "random", "seed": 5}).json()["results"]


def _count_list_queries(api, page_size: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(BASE, {"page_size": page_size, "sort": "top"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == page_size
    assert all("official_response" in i and "body_html" in i for i in results)
    return len(queries)


def test_list_query_count_is_the_same_for_5_and_40_ideas(api, resident, other, settings):
    """The list page's deferred fields (the body's HTML, the answer) are in every API row."""
    settings.PROPOSALS_IDEAS_PER_DAY = 0
    for n in range(40):
        idea_post(resident, title=f"Idea number {n}", image_description="")
    api.force_authenticate(other)
    assert _count_list_queries(api, 5) == _count_list_queries(api, 40)


def test_detail_with_points_and_categories(api, resident, other, category):
    idea = idea_post(resident, category=category)
    point_post(other, idea, "against", "Noise at night.")
    body = api.get(f"{BASE}{idea.pk}/").json()
    assert body["points_against"][0]["text"] == "Noise at night."
    assert body["points_for"] == []
    assert body["author_name"] == "Anna"
    assert api.get(f"{BASE}categories/").json()[0]["slug"] == "transport"


def test_create_vote_withdraw_point_and_rate(api, resident, other, category):
    api.force_authenticate(resident)
    response = api.post(
        BASE,
        {
            "title": "Shade sails",
            "body": "Over the playground.",
            "category": "transport",
            "image": jpeg_with_gps(),
            "image_description": "A playground",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    idea_id = response.json()["id"]
    api.force_authenticate(other)
    response = api.post(f"{BASE}{idea_id}/vote/", {"value": "support"}, format="json")
    assert response.json() == {"my_vote": "support", "support_count": 1, "oppose_count": 0}
    response = api.delete(f"{BASE}{idea_id}/vote/")
    assert response.json()["support_count"] == 0
    response = api.post(f"{BASE}{idea_id}/points/", {"side": "for", "text": "Cool"}, format="json")
    assert response.status_code == 201
    point = Point.objects.get()
    api.force_authenticate(resident)
    response = api.post(f"{BASE}points/{point.pk}/rating/", {"value": "helpful"}, format="json")
    assert response.status_code == 200 and response.json()["helpful_count"] == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"title": ""}, "title", "Give your idea a title."),
        ({"body": "<script>x</script>"}, "body", "Remove the script"),
        ({"image": "pdf"}, "image", "This file is not a picture we can read."),
    ],
)
def test_create_refuses_bad_input(api, resident, category, payload, field, message):
    api.force_authenticate(resident)
    data = {"title": "A title", "body": "A body", "category": "transport", "image_description": "x"}
    data.update(payload)
    if data.get("image") == "pdf":
        data["image"] = pdf_named_jpg()
    response = api.post(BASE, data, format="multipart")
    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error["fields"][field][0]
    assert not Idea.objects.exists()


def test_vote_past_the_rate_limit_answers_429(api, resident, other, category, settings):
    settings.PROPOSALS_VOTE_RATE_LIMIT = 1
    idea = idea_post(resident, category=category)
    api.force_authenticate(other)
    response = api.post(f"{BASE}{idea.pk}/vote/", {"value": "support"}, format="json")
    assert response.status_code == 200
    response = api.post(f"{BASE}{idea.pk}/vote/", {"value": "oppose"}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert "your vote has not changed" in error["message"]
    assert api.delete(f"{BASE}{idea.pk}/vote/").status_code == 429
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (1, 0)


def test_anonymous_cannot_vote(api, resident, category):
    idea = idea_post(resident, category=category)
    response = api.post(f"{BASE}{idea.pk}/vote/", {"value": "support"}, format="json")
    assert response.status_code == 401


def test_staff_sets_status_residents_cannot(api, resident, other, category, moderator):
    idea = idea_post(resident, category=category)
    api.force_authenticate(other)
    response = api.post(
        f"{BASE}{idea.pk}/status/",
        {"status": "accepted", "official_response": "Yes"},
        format="json",
    )
    assert response.status_code == 403
    api.force_authenticate(moderator)
    response = api.post(
        f"{BASE}{idea.pk}/status/",
        {"status": "accepted", "official_response": "We will do it."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == IdeaStatus.ACCEPTED
    assert response.json()["official_response"] == "We will do it."


def test_staff_merges_through_the_api(api, resident, other, category, moderator):
    source = idea_post(resident, title="Dup", category=category)
    target = idea_post(other, title="Original", category=category)
    api.force_authenticate(moderator)
    response = api.post(
        f"{BASE}{source.pk}/status/", {"status": "merged", "merged_into": target.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["merged_into"] == target.pk
    response = api.post(f"{BASE}{target.pk}/status/", {"status": "merged"}, format="json")
    assert response.status_code == 400


def test_schema_lists_the_ideas_endpoints(api):
    schema = api.get("/api/schema/?format=json").json()
    assert "/api/v1/ideas/{id}/vote/" in schema["paths"]
