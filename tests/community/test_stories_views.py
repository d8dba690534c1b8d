"""Stories' pages: the public list and a story's page (published only, an author sees their
own pending story), sharing a story with a photo, refusals that keep the form, thanks with
htmx and without, the Atom feed, share cards, the campaign page, the home page section
and the moderators' queue."""

from __future__ import annotations

import feedparser
import pytest
from django.urls import reverse
from PIL import Image

from community.models.stories import Story, StoryState, StoryThanks
from community.services import stories as services
from tests.community.stories_fixtures import (
    GPS_TAG,
    StoryFactory,
    jpeg_with_gps,
    not_an_image,
)

pytestmark = pytest.mark.django_db


def test_list_shows_published_stories_only(client, resident, area):
    shown = StoryFactory(author=resident, area=area, published=True, title="Harbour soup")
    StoryFactory(author=resident, area=area, title="Still waiting")
    response = client.get(reverse("community:story-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert shown.title in html and "Still waiting" not in html


def test_list_query_count_does_not_grow_with_the_page(
    client, resident, area, campaign, django_assert_max_num_queries
):
    StoryFactory(author=resident, area=area, campaign=campaign, published=True)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("community:story-list"))
    for _ in range(10):
        StoryFactory(area=area, campaign=campaign, published=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("community:story-list"))


def test_pending_story_is_hidden_from_anonymous_and_others_but_shown_to_its_author(
    client, resident, other, area
):
    story = StoryFactory(author=resident, area=area, title="Tool library")
    url = story.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(resident)
    response = client.get(url)
    assert response.status_code == 200
    assert "A moderator reads your story" in response.content.decode()


def test_resident_shares_a_story_with_a_photo(client, resident, area, campaign):
    client.force_login(resident)
    response = client.post(
        reverse("community:story-create"),
        {
            "title": "The library garden",
            "body": "Four raised beds.",
            "area": area.pk,
            "campaign": campaign.slug,
            "photo": jpeg_with_gps(),
            "photo_description": "Raised beds with beans",
        },
    )
    story = Story.objects.get()
    assert response.status_code == 302 and response["Location"] == story.get_absolute_url()
    assert story.state == StoryState.PENDING and story.campaign == campaign
    with story.photo.open("rb") as stored, Image.open(stored) as picture:
        assert GPS_TAG not in picture.getexif()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"photo": "bad"}, "not a picture we can read"),
        ({"title": "x" * 121}, "at most 120 characters"),
        ({"body": "Hi\x1b there"}, "control character"),
        ({"campaign": "no-such-campaign"}, "not open for stories"),
        ({"area": "999999"}, "Choose one of the areas"),
    ],
)
def test_story_form_refuses_bad_input_with_a_message(client, resident, area, data, message):
    client.force_login(resident)
    values = {"title": "Garden", "body": "Beans.", "area": area.pk, "photo_description": "x"}
    values.update(data)
    if values.get("photo") == "bad":
        values["photo"] = not_an_image()
    response = client.post(reverse("community:story-create"), values)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Story.objects.count() == 0


def test_anonymous_is_sent_to_sign_in_to_share(client):
    response = client.get(reverse("community:story-create"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_thanks_without_javascript_redirects_and_counts_once(client, resident, other, area):
    story = StoryFactory(author=resident, area=area, published=True)
    client.force_login(other)
    url = reverse("community:story-thank", args=[story.pk])
    for _ in range(2):
        response = client.post(url)
        assert response.status_code == 302
    story.refresh_from_db()
    assert story.thanks_count == 1 and StoryThanks.objects.count() == 1


def test_thanks_with_htmx_answers_the_panel(client, resident, other, area):
    story = StoryFactory(author=resident, area=area, published=True)
    client.force_login(other)
    response = client.post(
        reverse("community:story-thank", args=[story.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="thanks"' in html and "1 thanks" in html and "<html" not in html


def test_thanks_for_a_pending_story_is_not_found(client, resident, other, area):
    story = StoryFactory(author=resident, area=area)
    client.force_login(other)
    assert client.post(reverse("community:story-thank", args=[story.pk])).status_code == 404
    assert StoryThanks.objects.count() == 0


def test_story_page_has_share_card_and_links(client, moderator, area, settings):
    settings.SITE_URL = "https://portal.example.org"
    story = services.story_publish_from(
        actor=moderator,
        title="Clean-up day",
        body="Forty volunteers.",
        area=area,
        photo=jpeg_with_gps(),
    )
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Clean-up day">' in html
    assert f'content="https://portal.example.org{story.photo.url}"' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert "mastodon" in html.lower() and 'aria-label="Share"' in html


def test_atom_feed_lists_published_stories(client, resident, area, campaign):
    published = StoryFactory(
        author=resident, area=area, campaign=campaign, published=True, title="Soup on Fridays"
    )
    StoryFactory(author=resident, area=area, title="Not yet")
    StoryFactory(author=resident, area=area, published=True, title="Odd\x0bchars", body="Bell\x07")
    response = client.get(reverse("community:story-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    titles = [entry.title for entry in feed.entries]
    assert "Soup on Fridays" in titles and "Oddchars" in titles and "Not yet" not in titles
    entry = next(e for e in feed.entries if e.title == "Soup on Fridays")
    assert entry.link.endswith(published.get_absolute_url())
    assert {tag.term for tag in entry.tags} == {"Riverside", "#WeAreRiverside"}


def test_campaign_page_lists_its_published_stories(client, resident, area, campaign):
    StoryFactory(author=resident, area=area, campaign=campaign, published=True, title="In it")
    StoryFactory(author=resident, area=area, published=True, title="Elsewhere")
    StoryFactory(author=resident, area=area, campaign=campaign, title="Pending one")
    response = client.get(campaign.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200 and "#WeAreRiverside" in html
    assert "In it" in html and "Elsewhere" not in html and "Pending one" not in html
    assert client.get("/community/campaigns/no-such/").status_code == 404


def test_home_page_shows_featured_stories(client, resident, moderator, area):
    story = StoryFactory(author=resident, area=area, published=True, title="Library garden")
    StoryFactory(author=resident, area=area, published=True, title="Not featured")
    services.story_feature(actor=moderator, story=story)
    html = client.get("/").content.decode()
    assert "Library garden" in html and "Not featured" not in html


def test_queue_is_for_moderators_only(client, resident):
    url = reverse("community:staff-story-queue")
    # The staff paths refuse anyone who is not staff with a second factor, before the view.
    assert client.get(url).status_code in (302, 403)
    client.force_login(resident)
    response = client.get(url)
    assert response.status_code == 403
    assert "Stories awaiting moderation" not in response.content.decode()


def test_moderator_publishes_and_rejects_from_the_queue(client, moderator, resident, area):
    first = StoryFactory(author=resident, area=area, title="First")
    second = StoryFactory(author=resident, area=area, title="Second")
    client.force_login(moderator)
    assert "First" in client.get(reverse("community:staff-story-queue")).content.decode()
    moderate = "community:staff-story-moderate"
    response = client.post(reverse(moderate, args=[first.pk]), {"action": "publish"})
    assert response.status_code == 302
    response = client.post(reverse(moderate, args=[second.pk]), {"action": "reject"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = client.post(
        reverse(moderate, args=[second.pk]), {"action": "reject", "reason": "Off topic."}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == StoryState.PUBLISHED
    assert second.state == StoryState.REJECTED and second.rejection_reason == "Off topic."


def test_moderator_features_a_story_from_its_page(client, moderator, resident, area):
    story = StoryFactory(author=resident, area=area, published=True)
    client.force_login(moderator)
    response = client.post(
        reverse("community:staff-story-feature", args=[story.pk]), {"featured": "1"}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.is_featured


def test_admin_lists_stories_awaiting_moderation_and_publishes_them(
    client, moderator, resident, area
):
    waiting = StoryFactory(author=resident, area=area, title="Waiting here")
    StoryFactory(author=resident, area=area, published=True, title="Done already")
    client.force_login(moderator)
    html = client.get("/admin/community/story/").content.decode()
    assert "Waiting here" in html and "Done already" not in html
    response = client.post(
        "/admin/community/story/",
        {"action": "publish_stories", "_selected_action": [waiting.pk]},
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == StoryState.PUBLISHED
