"""The admin's moderation queue of residents' events: shown to moderators, refused to
residents, and its publish action goes through the service (audited)."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from civicportal.accounts import roles
from community.models import Event
from community.services import events as services
from tests.accounts.factories import StaffFactory, UserFactory
from tests.community.factories_events import event, event_fields

pytestmark = pytest.mark.django_db

QUEUE = "admin:community_eventawaitingmoderation_changelist"


def test_moderator_sees_the_queue_and_publishes_from_it(client, settings):
    settings.COMMUNITY_RESIDENT_EVENTS = True
    pending = services.event_create(
        actor=UserFactory(verified=True), **event_fields(title="Street party")
    )
    event(title="Already published")
    moderator = StaffFactory(role=roles.MODERATOR, mfa=True)
    client.force_login(moderator)
    page = client.get(reverse(QUEUE))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Street party" in text and "Already published" not in text
    client.post(
        reverse(QUEUE), {"action": "publish", "_selected_action": [pending.pk]}, follow=True
    )
    pending.refresh_from_db()
    assert pending.state == Event.State.PUBLISHED
    assert LogEntry.objects.filter(
        object_pk=str(pending.pk), additional_data__action="community.event.publish"
    ).exists()


def test_queue_is_refused_to_residents(client):
    client.force_login(UserFactory(verified=True))
    response = client.get(reverse(QUEUE))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
