"""Proposals services on PostgreSQL: posting ideas."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from proposals.models import SUMMARY_LENGTH, Idea, IdeaStatus
from tests.accounts.factories import UserFactory
from tests.proposals.factories import idea_post, jpeg_with_gps, pdf_named_jpg, ten_megabyte_jpg
from tests.proposals.helpers import follower_ids

pytestmark = pytest.mark.django_db


def test_idea_create_renders_markdown_and_author_follows(resident, category):
    idea = idea_post(
        resident, body="Plant **trees** on [Main St](https://example.org).", category=category
    )
    assert "<strong>trees</strong>" in idea.body_html
    assert 'rel="nofollow noopener ugc"' in idea.body_html
    assert idea.status == IdeaStatus.SUBMITTED
    assert follower_ids(idea) == {resident.pk}


def test_idea_create_keeps_a_plain_text_summary(resident, category):
    idea = idea_post(resident, body="Plant **trees** on [Main St](https://example.org).")
    assert idea.summary == "Plant trees on Main St."
    long = idea_post(resident, title="Long", body="word " * 300, category=category)
    assert len(long.summary) == SUMMARY_LENGTH and long.summary.endswith("word…")


def test_summaries_of_ideas_posted_before_they_existed_are_filled(resident, category):
    long = idea_post(resident, title="Long", body="word " * 300, category=category)
    Idea.objects.filter(pk=long.pk).update(summary="")  # as an idea posted before 0008
    fill = importlib.import_module("proposals.migrations.0008_idea_summary_fill")
    fill.fill_summaries(django_apps, None)
    assert Idea.objects.get(pk=long.pk).summary == long.summary


def test_idea_create_refuses_empty_title_with_a_message(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, title="   ", category=category)
    assert error.value.message_dict["title"] == ["Give your idea a title."]
    assert not Idea.objects.exists()


def test_idea_create_refuses_a_script_in_the_body(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, body="Nice <script>alert('x')</script>", category=category)
    assert "script" in error.value.message_dict["body"][0]
    assert not Idea.objects.exists()


def test_idea_create_refuses_a_ten_megabyte_image(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, category=category, image=ten_megabyte_jpg(), image_description="x")
    message = error.value.message_dict["image"][0]
    assert "10.0\xa0MB" in message and "largest we accept is 5.0\xa0MB" in message
    assert not Idea.objects.exists()


def test_idea_create_refuses_a_pdf_named_jpg(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, category=category, image=pdf_named_jpg(), image_description="x")
    assert error.value.message_dict["image"] == [
        "This file is not a picture we can read. Upload a JPEG, PNG or WebP."
    ]


def test_idea_create_needs_an_image_description(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, category=category, image=jpeg_with_gps())
    assert "image_description" in error.value.message_dict


def test_idea_image_is_reencoded_without_exif_or_gps(resident, category):
    upload = jpeg_with_gps()
    with Image.open(upload) as original:
        assert original.getexif().get_ifd(0x8825)  # the upload does carry GPS data
    upload.seek(0)
    idea = idea_post(resident, category=category, image=upload, image_description="A bench")
    with Image.open(idea.image.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert "exif" not in stored.info
        assert stored.size == (64, 48)
    assert not idea.image.name.endswith("photo.jpg")  # renamed: the name said nothing


def test_idea_create_refuses_half_a_map_point(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, category=category, latitude="64.14", longitude=None)
    assert "latitude" in error.value.message_dict


def test_idea_create_limits_ideas_per_day(resident, category, settings):
    settings.PROPOSALS_IDEAS_PER_DAY = 2
    idea_post(resident, title="One idea", category=category)
    idea_post(resident, title="Two ideas", category=category)
    with pytest.raises(ValidationError, match="most allowed"):
        idea_post(resident, title="Three ideas", category=category)


def test_idea_create_needs_verification_when_configured(resident, category, settings):
    settings.PROPOSALS_REQUIRE_VERIFIED = True
    with pytest.raises(PermissionDenied):
        idea_post(resident, category=category)
    idea_post(UserFactory(verified=True), category=category)
