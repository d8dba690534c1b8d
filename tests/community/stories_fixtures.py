"""Stories' test data: people in each role, an area, a campaign, stories in each state, and
photos made on the spot (one carrying a GPS position in its EXIF). Imported by the stories'
test modules (the package's conftest is shared with the other parts of community life)."""

from __future__ import annotations

import io

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from civicportal.accounts import roles
from community.models.stories import Campaign, Story, StoryState
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    hashtag = factory.Sequence(lambda n: f"#WeAreRiverside{n}")


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"A story {n}")
    body = "Neighbours planted a garden behind the library."
    body_html = "<p>Neighbours planted a garden behind the library.</p>"
    area = factory.SubFactory(AreaFactory)
    state = StoryState.PENDING

    class Params:
        published = factory.Trait(
            state=StoryState.PUBLISHED, published_at=factory.LazyFunction(timezone.now)
        )


GPS_TAG = 0x8825


def jpeg_with_gps(name: str = "garden.jpg", size=(64, 48)) -> SimpleUploadedFile:
    """A JPEG whose EXIF holds a GPS position (64°08'N 21°56'W) and a camera model."""
    exif = Image.Exif()
    exif[0x0110] = "Test camera"
    exif[GPS_TAG] = {1: "N", 2: (64.0, 8.0, 0.0), 3: "W", 4: (21.0, 56.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 140, 60)).save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def png(name: str = "garden.png", size=(32, 32)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def not_an_image(name: str = "garden.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 this is not a picture", content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _stories_settings(settings):
    settings.COMMUNITY_STORIES_PER_DAY = 50


@pytest.fixture
def area(db):
    return AreaFactory(name="Riverside", slug="riverside")


@pytest.fixture
def campaign(db):
    return CampaignFactory(
        name="We are Riverside", slug="we-are-riverside", hashtag="#WeAreRiverside"
    )


@pytest.fixture
def resident(db):
    return UserFactory(display_name="Anna")


@pytest.fixture
def other(db):
    return UserFactory(display_name="Bjarni")


@pytest.fixture
def moderator(db):
    return StaffFactory(role=roles.MODERATOR, mfa=True, display_name="Maya")


@pytest.fixture
def administrator(db):
    return StaffFactory(role=roles.ADMINISTRATOR, mfa=True)


@pytest.fixture
def budget_officer(db):
    """Staff in another module's role: no say over stories."""
    return StaffFactory(role="Budget officer", mfa=True)
