"""Events as iCalendar (RFC 5545), written with the ``icalendar`` library: one event's
file and the subscribable feed. Times are UTC; a change bumps SEQUENCE and a cancelled
event says STATUS:CANCELLED, so calendars that subscribed update their copy."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from community.models import Event


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//CivicPortal//Community events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _vevent(event: Event, *, base_url: str) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", event.ical_uid)
    vevent.add("dtstamp", event.updated_at.astimezone(UTC))
    vevent.add("dtstart", event.starts_at.astimezone(UTC))
    vevent.add("dtend", event.ends_at.astimezone(UTC))
    vevent.add("summary", event.title)
    vevent.add("description", event.summary)
    vevent.add("location", event.place)
    if event.latitude is not None and event.longitude is not None:
        vevent.add("geo", (float(event.latitude), float(event.longitude)))
    vevent.add("url", base_url + event.get_absolute_url())
    vevent.add("sequence", event.sequence)
    vevent.add("categories", [event.get_kind_display()])
    vevent.add("status", "CANCELLED" if event.state == Event.State.CANCELLED else "CONFIRMED")
    return vevent


def event_ical(event: Event, *, base_url: str) -> bytes:
    calendar = _calendar(event.title)
    calendar.add_component(_vevent(event, base_url=base_url))
    return calendar.to_ical()


def events_ical(events: Iterable[Event], *, base_url: str) -> bytes:
    calendar = _calendar(
        _("%(site)s community events") % {"site": getattr(settings, "SITE_NAME", "CivicPortal")}
    )
    for event in events:
        calendar.add_component(_vevent(event, base_url=base_url))
    return calendar.to_ical()
