"""Who may do what with community events (django-rules).

- Event organisers (staff role) create events, published at once; they change, cancel and
  run any event, and publish or reject what residents propose.
- Moderators publish or reject residents' proposed events.
- Verified residents create events only when the council allows it
  (``COMMUNITY_RESIDENT_EVENTS``); theirs wait for moderation. A resident who organises an
  event runs it (sign-up list, check-in, messages, cancellation, outcome) but changes its
  details only while it waits for moderation.
- Any signed-in resident signs up to a published event that has not ended.

Every rule has a role test in tests/community/test_events_rules.py.
"""

from __future__ import annotations

import rules
from django.conf import settings

from civicportal.accounts.rules import (
    has_role,
    is_active_resident,
    is_administrator,
    is_moderator,
    is_verified_resident,
)
from community.roles_events import EVENT_ORGANISER

is_event_organiser = has_role(EVENT_ORGANISER)
is_event_staff = is_event_organiser | is_administrator


@rules.predicate
def residents_may_create_events(user) -> bool:
    return settings.COMMUNITY_RESIDENT_EVENTS


@rules.predicate
def organises(user, event) -> bool:
    return bool(event is not None and user.is_authenticated and event.organiser_id == user.pk)


@rules.predicate
def is_pending(user, event) -> bool:
    return event is not None and event.state == "pending"


@rules.predicate
def is_open_for_signup(user, event) -> bool:
    return event is not None and event.state == "published" and not event.has_ended


@rules.predicate
def is_public(user, event) -> bool:
    return event is not None and event.state in ("published", "cancelled")


rules.add_perm(
    "community.create_event",
    is_event_staff | (is_verified_resident & residents_may_create_events),
)
rules.add_perm("community.publish_event", is_event_staff | is_moderator)
rules.add_perm("community.update_event", is_event_staff | (organises & is_pending))
rules.add_perm("community.manage_event", is_event_staff | organises)
rules.add_perm("community.see_event", is_public | is_event_staff | is_moderator | organises)
rules.add_perm("community.signup_event", is_active_resident & is_open_for_signup)

# The admin: event staff and moderators see events and their queue. The module permission
# is shared with the app's other parts: each adds its own people to it, in any order.
if rules.perm_exists("community"):
    rules.set_perm(
        "community", rules.permissions.permissions["community"] | is_event_staff | is_moderator
    )
else:
    rules.add_perm("community", is_event_staff | is_moderator)
rules.add_perm("community.view_event", is_event_staff | is_moderator)
rules.add_perm("community.change_event", is_event_staff | is_moderator)
rules.add_perm("community.view_eventsignup", is_event_staff)
rules.add_perm("community.view_eventawaitingmoderation", is_event_staff | is_moderator)
rules.add_perm("community.change_eventawaitingmoderation", is_event_staff | is_moderator)
