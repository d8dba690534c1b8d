"""An event's outcome told as a story (community/services/outcomes.py): council staff publish
it in one step, once per event; the story links back and the event page links to it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from PIL import Image

from civicportal.accounts import roles
from community.models import Story, StoryState
from community.roles_events import EVENT_ORGANISER
from community.services import events as services
from community.services.outcomes import event_outcome_story_publish
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory
from tests.community.factories_events import event, past_event
from tests.proposals.factories import jpeg_with_gps

pytestmark = pytest.mark.django_db


def _recorded(organiser, **fields):
    """A past clean-up in an area with its outcome and one photo recorded."""
    made = past_event(by=organiser, area=AreaFactory(), **fields)
    services.event_outcome_record(
        actor=organiser, event=made, attendance=14, outcome="42 bags of **litter** cleared.",
        photos=[(jpeg_with_gps(), "Bags piled up")],
    )  # fmt: skip
    made.refresh_from_db()
    return made


def test_staff_publish_an_outcome_as_a_story_once(settings):
    organiser = StaffFactory(role=EVENT_ORGANISER, mfa=True)
    made = _recorded(organiser)

    story = event_outcome_story_publish(actor=organiser, event=made)

    assert story.state == StoryState.PUBLISHED and story.event == made
    assert story.title == f"{made.title}: what we achieved"
    assert "42 bags of **litter** cleared." in story.body and "14 people came." in story.body
    assert "<strong>litter</strong>" in story.body_html
    assert story.area == made.area
    assert story.source_url == f"{settings.SITE_URL}{made.get_absolute_url()}"
    with Image.open(story.photo.open("rb")) as picture:  # the first photo, re-encoded
        assert picture.getexif().get_ifd(0x8825) == {}  # no GPS
    with pytest.raises(ValidationError, match="already a story"):
        event_outcome_story_publish(actor=organiser, event=made)
    assert Story.objects.filter(event=made).count() == 1


def test_an_outcome_story_needs_a_recorded_outcome_and_an_area():
    organiser = StaffFactory(role=EVENT_ORGANISER, mfa=True)
    not_yet = past_event(by=organiser, area=AreaFactory())
    with pytest.raises(ValidationError, match="Record the outcome first"):
        event_outcome_story_publish(actor=organiser, event=not_yet)
    nowhere = past_event(by=organiser)
    services.event_outcome_record(actor=organiser, event=nowhere, attendance=3, outcome="Done.")
    with pytest.raises(ValidationError, match="area"):
        event_outcome_story_publish(actor=organiser, event=nowhere)
    assert not Story.objects.exists()


def test_only_staff_who_run_the_event_publish_its_outcome_story():
    """(The second factor is judged per request: tests/community/test_events_rules.py.)"""
    organiser = StaffFactory(role=EVENT_ORGANISER, mfa=True)
    made = _recorded(organiser)
    for outsider in (UserFactory(), StaffFactory(role=roles.MODERATOR, mfa=True)):
        with pytest.raises(PermissionDenied):
            event_outcome_story_publish(actor=outsider, event=made)
    assert not Story.objects.exists()


def test_organiser_page_publishes_the_story_and_the_event_page_links_it(client):
    organiser = StaffFactory(role=EVENT_ORGANISER, mfa=True)
    made = _recorded(organiser)
    client.force_login(organiser)
    manage = client.get(reverse("community:event-manage", args=[made.pk]))
    assert manage.status_code == 200 and b"data-outcome-story" in manage.content

    answer = client.post(reverse("community:event-outcome-story", args=[made.pk]))

    story = Story.objects.get(event=made)
    assert answer.status_code == 302 and answer.url == story.get_absolute_url()
    page = client.get(made.get_absolute_url())
    assert story.get_absolute_url().encode() in page.content
    again = client.post(reverse("community:event-outcome-story", args=[made.pk]), follow=True)
    assert "already a story" in again.content.decode()
    assert Story.objects.filter(event=made).count() == 1


def test_an_upcoming_event_offers_no_story(client):
    organiser = StaffFactory(role=EVENT_ORGANISER, mfa=True)
    upcoming = event(by=organiser, area=AreaFactory())
    with pytest.raises(ValidationError):
        event_outcome_story_publish(actor=organiser, event=upcoming)
