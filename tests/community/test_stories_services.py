"""Stories' services: sharing (with the photo's GPS position removed), refusing bad input
without storing anything, moderating with an audit record and a notice to the author,
featuring, thanks, publishing from staff code, and a person's data export and erasure."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicportal.kernel import personal_data
from civicportal.notifications.models import Delivery, Event
from civicportal.notifications.rendering import message_texts
from community.models.stories import Campaign, Story, StoryState, StoryThanks
from community.services import stories as services
from tests.community.stories_fixtures import (
    GPS_TAG,
    CampaignFactory,
    StoryFactory,
    jpeg_with_gps,
    not_an_image,
)

pytestmark = pytest.mark.django_db


def _submit(actor, place, **overrides):
    values = {"title": "The library garden", "body": "Three neighbours built it.", "area": place}
    return services.story_submit(actor=actor, **{**values, **overrides})


def test_story_submit_waits_for_moderation_with_markdown_rendered(resident, area, campaign):
    story = _submit(resident, area, body="We **planted** beans.", campaign=campaign)
    assert story.state == StoryState.PENDING and story.published_at is None
    assert "<strong>planted</strong>" in story.body_html
    assert story.campaign == campaign and story.author == resident


def test_story_photo_is_stored_without_its_gps_position(resident, area):
    upload = jpeg_with_gps()
    with Image.open(upload) as original:
        assert GPS_TAG in original.getexif()  # the test photo does carry a position
    upload.seek(0)
    story = _submit(resident, area, photo=upload, photo_description="Raised beds")
    with story.photo.open("rb") as stored, Image.open(stored) as picture:
        exif = picture.getexif()
        assert GPS_TAG not in exif
        assert not exif.get_ifd(GPS_TAG)
        assert 0x0110 not in exif  # nor any other metadata of the camera
        assert picture.size == (64, 48)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"title": ""}, "title", "title"),
        ({"title": "x" * 121}, "title", "at most 120"),
        ({"body": "a" * 3001}, "body", "at most 3000"),
        ({"body": "Hello\x07 there"}, "body", "control character"),
        ({"title": "Bad\x00title"}, "title", "control character"),
        ({"body": "<script>alert(1)</script>"}, "body", "script"),
        ({"area": None}, "area", "area"),
        ({"photo": "not-an-image"}, "photo", "not a picture"),
        ({"photo": "too-large"}, "photo", "largest we accept"),
        ({"photo": "photo-without-description"}, "photo_description", "Describe the photo"),
    ],
)
def test_story_submit_refuses_bad_input_and_stores_nothing(
    resident, area, settings, overrides, field, words
):
    settings.COMMUNITY_IMAGE_MAX_BYTES = 1000
    photo = overrides.get("photo")
    if photo == "not-an-image":
        overrides = {**overrides, "photo": not_an_image(), "photo_description": "x"}
    elif photo == "too-large":
        big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * 5000, content_type="image/jpeg")
        overrides = {**overrides, "photo": big, "photo_description": "x"}
    elif photo == "photo-without-description":
        overrides = {**overrides, "photo": jpeg_with_gps(size=(8, 8))}
    with pytest.raises(ValidationError) as error:
        _submit(resident, area, **overrides) if "area" not in overrides else _submit(
            resident, overrides.pop("area"), **overrides
        )
    assert field in error.value.message_dict
    assert words.lower() in " ".join(error.value.message_dict[field]).lower()
    assert Story.objects.count() == 0


def test_story_submit_refuses_a_closed_or_unknown_campaign(resident, area):
    closed = CampaignFactory(is_active=False)
    with pytest.raises(ValidationError) as error:
        _submit(resident, area, campaign=closed)
    assert "not open" in error.value.message_dict["campaign"][0]
    with pytest.raises(ValidationError):
        _submit(resident, area, campaign="no-such-campaign")
    assert Story.objects.count() == 0


def test_story_submit_refuses_anonymous(area):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        _submit(AnonymousUser(), area)


def test_story_submit_is_rate_limited_per_day(resident, area, settings):
    settings.COMMUNITY_STORIES_PER_DAY = 2
    _submit(resident, area)
    _submit(resident, area, title="Second")
    with pytest.raises(ValidationError) as error:
        _submit(resident, area, title="Third")
    assert error.value.code == "rate_limited"
    assert Story.objects.count() == 2


@pytest.mark.parametrize(
    "hashtag", ["WeAreRiverside", "#We Are", "#We-Are", "#1Riverside", "#a", "##Riverside"]
)
def test_campaign_hashtag_must_be_one_hashtag(hashtag):
    campaign = Campaign(name="We are Riverside", slug="riverside", hashtag=hashtag)
    with pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert "hashtag" in error.value.message_dict


@pytest.mark.parametrize("hashtag", ["#WeAreRiverside", "#Við_erum_hér", "#Riverside2026"])
def test_campaign_hashtag_accepts_letters_digits_and_underscores(hashtag, db):
    Campaign(name="Campaign", slug="campaign", hashtag=hashtag).full_clean()


def test_story_publish_audits_and_notifies_the_author(
    resident, moderator, area, django_capture_on_commit_callbacks
):
    story = _submit(resident, area)
    with django_capture_on_commit_callbacks(execute=False):
        services.story_publish(actor=moderator, story=story)
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED and story.published_at is not None
    assert story.moderated_by == moderator
    entry = LogEntry.objects.get_for_object(story).get(
        additional_data__action="community.story.publish"
    )
    assert entry.actor == moderator and entry.changes["state"] == ["pending", "published"]
    event = Event.objects.get(kind=services.TOPIC_STORY_MODERATED)
    assert set(Delivery.objects.filter(event=event).values_list("recipient", flat=True)) == {
        resident.pk
    }
    # Publishing again changes nothing and tells nobody again.
    services.story_publish(actor=moderator, story=story)
    assert Event.objects.filter(kind=services.TOPIC_STORY_MODERATED).count() == 1


def test_story_reject_needs_a_reason_which_the_author_is_sent(resident, moderator, area):
    story = _submit(resident, area)
    with pytest.raises(ValidationError) as error:
        services.story_reject(actor=moderator, story=story, reason="  ")
    assert "reason" in error.value.message_dict
    story.refresh_from_db()
    assert story.state == StoryState.PENDING
    services.story_reject(actor=moderator, story=story, reason="Names a private person.")
    story.refresh_from_db()
    assert story.state == StoryState.REJECTED
    assert story.rejection_reason == "Names a private person."
    assert (
        LogEntry.objects.get_for_object(story)
        .filter(additional_data__action="community.story.reject")
        .exists()
    )
    event = Event.objects.get(kind=services.TOPIC_STORY_MODERATED)
    texts = message_texts(event=event, language="en")
    assert texts.subject == "Your story “The library garden” was not published"
    assert texts.body == "The moderator's reason: Names a private person."
    assert texts.url.endswith(story.get_absolute_url())
    with pytest.raises(ValidationError):
        services.story_publish(actor=moderator, story=story)


def test_residents_cannot_moderate_or_feature(resident, other, area):
    story = _submit(resident, area)
    with pytest.raises(PermissionDenied):
        services.story_publish(actor=other, story=story)
    with pytest.raises(PermissionDenied):
        services.story_reject(actor=resident, story=story, reason="No")
    with pytest.raises(PermissionDenied):
        services.story_feature(actor=other, story=story)
    story.refresh_from_db()
    assert story.state == StoryState.PENDING


def test_story_feature_only_published_and_audited(resident, moderator, area):
    story = _submit(resident, area)
    with pytest.raises(ValidationError):
        services.story_feature(actor=moderator, story=story)
    services.story_publish(actor=moderator, story=story)
    services.story_feature(actor=moderator, story=story)
    story.refresh_from_db()
    assert story.is_featured
    services.story_feature(actor=moderator, story=story, featured=False)
    story.refresh_from_db()
    assert not story.is_featured
    actions = set(
        LogEntry.objects.get_for_object(story).values_list("additional_data__action", flat=True)
    )
    assert {"community.story.feature", "community.story.unfeature"} <= actions


def test_story_thank_counts_once_per_resident(resident, other, area):
    story = StoryFactory(author=resident, area=area, published=True)
    story, added = services.story_thank(actor=other, story=story)
    assert added and story.thanks_count == 1
    story, added = services.story_thank(actor=other, story=story)
    assert not added and story.thanks_count == 1
    assert StoryThanks.objects.filter(story=story).count() == 1


def test_story_thank_refuses_own_and_unpublished_stories(resident, other, area):
    pending = StoryFactory(author=resident, area=area)
    with pytest.raises(PermissionDenied):
        services.story_thank(actor=other, story=pending)
    published = StoryFactory(author=resident, area=area, published=True)
    with pytest.raises(PermissionDenied):
        services.story_thank(actor=resident, story=published)
    assert StoryThanks.objects.count() == 0


def test_story_publish_from_publishes_at_once_for_staff(moderator, area, campaign):
    story = services.story_publish_from(
        actor=moderator,
        title="The riverbank clean-up: 2 tonnes of litter",
        body="Forty volunteers came.",
        area=area,
        photo=jpeg_with_gps(),
        campaign=campaign,
        source_url="https://council.example.org/community/events/12/",
    )
    assert story.state == StoryState.PUBLISHED and story.published_at is not None
    assert story.author == moderator and story.moderated_by == moderator
    assert story.source_url == "https://council.example.org/community/events/12/"
    with story.photo.open("rb") as stored, Image.open(stored) as picture:
        assert GPS_TAG not in picture.getexif()
    assert (
        LogEntry.objects.get_for_object(story)
        .filter(additional_data__action="community.story.publish_from")
        .exists()
    )


def test_story_publish_from_refuses_residents_and_bad_input(resident, moderator, area):
    values = {"title": "Clean-up", "body": "It went well.", "area": area}
    with pytest.raises(PermissionDenied):
        services.story_publish_from(actor=resident, **values)
    for bad in ("javascript:alert(1)", "ftp://example.org/x", "example.org"):
        with pytest.raises(ValidationError) as error:
            services.story_publish_from(actor=moderator, source_url=bad, **values)
        assert "source_url" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.story_publish_from(actor=moderator, **{**values, "body": "x" * 3001})
    assert "body" in error.value.message_dict
    assert Story.objects.count() == 0


def test_personal_data_export_lists_stories_and_thanks(resident, other, area, campaign):
    mine = StoryFactory(author=resident, area=area, campaign=campaign, published=True)
    theirs = StoryFactory(author=other, area=area, published=True)
    services.story_thank(actor=resident, story=theirs)
    part = next(p for p in personal_data.parts() if p.name == "community-stories")
    data = part.export(resident)
    assert [s["title"] for s in data["stories"]] == [mine.title]
    assert data["stories"][0]["campaign"] == "#WeAreRiverside"
    assert [t["story"] for t in data["thanks"]] == [theirs.title]


def test_personal_data_erase_removes_stories_and_thanks(resident, other, area):
    mine = StoryFactory(author=resident, area=area, published=True)
    services.story_thank(actor=other, story=mine)
    theirs = StoryFactory(author=other, area=area, published=True)
    services.story_thank(actor=resident, story=theirs)
    part = next(p for p in personal_data.parts() if p.name == "community-stories")
    part.erase(resident)
    assert not Story.objects.filter(author=resident).exists()
    assert not StoryThanks.objects.filter(user=resident).exists()
    theirs.refresh_from_db()
    assert theirs.thanks_count == 0
    assert Story.objects.filter(pk=theirs.pk).exists()


def test_story_thank_is_rate_limited_per_hour(resident, other, area, settings):
    settings.COMMUNITY_THANKS_PER_HOUR = 2
    stories = [StoryFactory(author=resident, area=area, published=True) for _ in range(3)]
    services.story_thank(actor=other, story=stories[0])
    services.story_thank(actor=other, story=stories[1])
    with pytest.raises(ValidationError) as error:
        services.story_thank(actor=other, story=stories[2])
    assert error.value.code == "rate_limited"
    stories[2].refresh_from_db()
    assert stories[2].thanks_count == 0
    assert not StoryThanks.objects.filter(story=stories[2]).exists()
