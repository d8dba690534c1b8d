"""The stories API: public reads of published stories and campaigns, residents sharing a
story and saying thanks, refusals as 400s that store nothing, and the OpenAPI schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from community.models.stories import Story, StoryState, StoryThanks
from tests.community.stories_fixtures import StoryFactory, jpeg_with_gps, not_an_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_story_list_shows_published_only_and_filters(api, resident, area, campaign):
    shown = StoryFactory(author=resident, area=area, campaign=campaign, published=True)
    StoryFactory(author=resident, area=area)
    StoryFactory(author=resident, area=area, published=True)
    data = api.get("/api/v1/stories/").json()
    assert data["count"] == 2
    data = api.get("/api/v1/stories/?campaign=we-are-riverside").json()
    assert [row["id"] for row in data["results"]] == [shown.pk]
    assert data["results"][0]["campaign"] == "we-are-riverside"
    assert api.get("/api/v1/stories/?campaign=unknown").json()["count"] == 0


def test_story_detail_hides_pending_stories_except_from_their_author(api, resident, area):
    story = StoryFactory(author=resident, area=area)
    assert api.get(f"/api/v1/stories/{story.pk}/").status_code == 404
    api.force_authenticate(resident)
    response = api.get(f"/api/v1/stories/{story.pk}/")
    assert response.status_code == 200 and response.json()["state"] == "pending"


def test_resident_shares_a_story_through_the_api(api, resident, area, campaign):
    api.force_authenticate(resident)
    response = api.post(
        "/api/v1/stories/",
        {
            "title": "Soup on Fridays",
            "body": "Forty bowls a week.",
            "area": area.slug,
            "campaign": campaign.slug,
            "photo": jpeg_with_gps(),
            "photo_description": "A bowl of soup",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    story = Story.objects.get()
    assert story.state == StoryState.PENDING and response.json()["photo"].startswith("/media/")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"campaign": "no-such-campaign"}, "campaign"),
        ({"area": "nowhere"}, "area"),
        ({"title": "x" * 121}, "title"),
        ({"body": "Bell\x07"}, "body"),
        ({"photo": "bad"}, "photo"),
    ],
)
def test_story_create_refuses_bad_input_with_400(api, resident, area, data, field):
    api.force_authenticate(resident)
    values = {"title": "T", "body": "B", "area": area.slug, "photo_description": "d", **data}
    if values.get("photo") == "bad":
        values["photo"] = not_an_image()
    response = api.post("/api/v1/stories/", values, format="multipart")
    assert response.status_code == 400
    assert field in str(response.json())
    assert Story.objects.count() == 0


def test_anonymous_cannot_share_a_story(api, area):
    response = api.post("/api/v1/stories/", {"title": "T", "body": "B", "area": area.slug})
    assert response.status_code in (401, 403)
    assert Story.objects.count() == 0


def test_thanks_through_the_api_is_idempotent(api, resident, other, area):
    story = StoryFactory(author=resident, area=area, published=True)
    api.force_authenticate(other)
    first = api.post(f"/api/v1/stories/{story.pk}/thank/").json()
    second = api.post(f"/api/v1/stories/{story.pk}/thank/").json()
    assert first == {"thanked": True, "added": True, "thanks_count": 1}
    assert second == {"thanked": True, "added": False, "thanks_count": 1}
    api.force_authenticate(resident)
    assert api.post(f"/api/v1/stories/{story.pk}/thank/").status_code == 403
    assert StoryThanks.objects.count() == 1


def test_campaigns_are_listed_and_read(api, campaign):
    rows = api.get("/api/v1/stories/campaigns/").json()["results"]
    assert [row["hashtag"] for row in rows] == ["#WeAreRiverside"]
    assert api.get("/api/v1/stories/campaigns/we-are-riverside/").json()["name"] == (
        "We are Riverside"
    )
    assert api.get("/api/v1/stories/campaigns/nope/").status_code == 404


def test_schema_documents_the_stories_api(api):
    schema = api.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/stories/",
        "/api/v1/stories/{id}/",
        "/api/v1/stories/{id}/thank/",
        "/api/v1/stories/campaigns/",
        "/api/v1/stories/campaigns/{slug}/",
    ):
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/stories/"]


def test_moderator_decides_through_the_api(api, moderator, resident, area):
    first = StoryFactory(author=resident, area=area, title="First")
    second = StoryFactory(author=resident, area=area, title="Second")
    api.force_authenticate(resident)
    assert api.get("/api/v1/stories/pending/").status_code == 403
    assert api.post(f"/api/v1/stories/{first.pk}/publish/").status_code == 403
    api.force_authenticate(moderator)
    pending = api.get("/api/v1/stories/pending/").json()["results"]
    assert [row["title"] for row in pending] == ["First", "Second"]
    assert api.post(f"/api/v1/stories/{first.pk}/publish/").json()["state"] == "published"
    assert api.post(f"/api/v1/stories/{second.pk}/reject/", {"reason": ""}).status_code == 400
    response = api.post(f"/api/v1/stories/{second.pk}/reject/", {"reason": "Off topic."})
    assert response.json()["state"] == "rejected"
    assert api.post(f"/api/v1/stories/{second.pk}/feature/").status_code == 400
    assert api.post(f"/api/v1/stories/{first.pk}/feature/").status_code == 200
    first.refresh_from_db()
    assert first.is_featured
