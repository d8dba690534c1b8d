"""The events' iCalendar output, read back with the ``icalendar`` library: one event's
file and the feed (RFC 5545: UID, UTC times, SUMMARY, LOCATION, GEO, STATUS, SEQUENCE)."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from community.services import events as services
from tests.community.factories_events import event, event_fields, organiser

pytestmark = pytest.mark.django_db


def _vevents(client, url) -> list:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_event_file_has_uid_utc_times_summary_location_and_geo(client):
    made = event(title="Riverside clean-up", place="Old mill car park")
    (vevent,) = _vevents(client, reverse("community:event-ics", args=[made.pk]))
    assert str(vevent["UID"]) == made.ical_uid
    start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    assert vevent["DTSTART"].to_ical().endswith(b"Z")  # UTC, no TZID
    assert vevent["DTEND"].to_ical().endswith(b"Z")
    assert start.utcoffset() == timedelta(0)
    assert start == made.starts_at.astimezone(UTC).replace(microsecond=0)
    assert end == made.ends_at.astimezone(UTC).replace(microsecond=0)
    assert str(vevent["SUMMARY"]) == "Riverside clean-up"
    assert str(vevent["LOCATION"]) == "Old mill car park"
    assert (vevent["GEO"].latitude, vevent["GEO"].longitude) == (64.1466, -21.9426)
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent.decoded("SEQUENCE") == 0


def test_change_bumps_sequence_and_cancellation_says_cancelled(client):
    by = organiser()
    made = event(by=by)
    url = reverse("community:event-ics", args=[made.pk])
    services.event_update(
        actor=by, event=made,
        **event_fields(title="Clean-up moved", starts_at=made.starts_at + timedelta(hours=1),
                       ends_at=made.ends_at + timedelta(hours=1)),
    )  # fmt: skip
    (vevent,) = _vevents(client, url)
    assert vevent.decoded("SEQUENCE") == 1
    assert str(vevent["SUMMARY"]) == "Clean-up moved"
    services.event_cancel(actor=by, event=made, reason="Storm")
    (vevent,) = _vevents(client, url)
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent.decoded("SEQUENCE") == 2


def test_feed_lists_public_events_with_their_status_and_filters(client, settings):
    by = organiser()
    clean_up = event(by=by, title="Clean-up")
    garden = event(by=by, title="Garden day", kind="garden")
    cancelled = event(by=by, title="Called off")
    services.event_cancel(actor=by, event=cancelled, reason="Rain")
    settings.COMMUNITY_RESIDENT_EVENTS = True
    from tests.accounts.factories import UserFactory

    services.event_create(actor=UserFactory(verified=True), **event_fields(title="Pending"))
    feed = reverse("community:event-feed")
    vevents = {str(v["UID"]): v for v in _vevents(client, feed)}
    assert set(vevents) == {clean_up.ical_uid, garden.ical_uid, cancelled.ical_uid}
    assert str(vevents[cancelled.ical_uid]["STATUS"]) == "CANCELLED"
    only_gardens = _vevents(client, feed + "?kind=garden")
    assert [str(v["SUMMARY"]) for v in only_gardens] == ["Garden day"]


def test_pending_events_file_is_not_public(client, settings):
    settings.COMMUNITY_RESIDENT_EVENTS = True
    from tests.accounts.factories import UserFactory

    pending = services.event_create(actor=UserFactory(verified=True), **event_fields())
    assert client.get(reverse("community:event-ics", args=[pending.pk])).status_code == 404
