"""Community events' services on PostgreSQL: creation and its refusals, moderation, the
waiting list and its promotion, changes and cancellation notices, check-in, the outcome,
reminders, personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicportal.core.services import account_delete
from civicportal.notifications.models import Event as Notice
from community.models import Event, EventPhoto, EventReminder, EventSignup
from community.services import events as services
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.community import factories_events
from tests.community.factories_events import event, event_fields, past_event, residents
from tests.proposals.factories import jpeg_with_gps, pdf_named_jpg, ten_megabyte_jpg

pytestmark = pytest.mark.django_db

# Fixtures of the events tests (the app's conftest is shared with its other parts).
event_organiser = factories_events.event_organiser
resident = factories_events.resident


def notices(kind_key: str) -> list[Notice]:
    return list(Notice.objects.filter(idempotency_key__startswith=f"community.events:{kind_key}"))


def test_staff_event_is_published_with_rendered_markdown(event_organiser):
    made = event(by=event_organiser, description="Bring <b>gloves</b> and **bags**.")
    assert made.state == Event.State.PUBLISHED
    assert "<strong>bags</strong>" in made.description_html
    assert "<b>" not in made.description_html
    assert made.organiser == event_organiser


def test_resident_cannot_create_events_unless_the_council_allows_it(settings):
    verified = UserFactory(verified=True)
    settings.COMMUNITY_RESIDENT_EVENTS = False
    with pytest.raises(PermissionDenied):
        services.event_create(actor=verified, **event_fields())
    settings.COMMUNITY_RESIDENT_EVENTS = True
    with pytest.raises(PermissionDenied):
        services.event_create(actor=UserFactory(), **event_fields())
    made = services.event_create(actor=verified, **event_fields())
    assert made.state == Event.State.PENDING


def test_residents_event_waits_for_a_moderator_then_is_published_and_audited(settings):
    settings.COMMUNITY_RESIDENT_EVENTS = True
    verified = UserFactory(verified=True)
    made = services.event_create(actor=verified, **event_fields())
    with pytest.raises(ValidationError):
        services.signup_create(actor=UserFactory(), event=made)
    moderator = StaffFactory(role="Moderator", mfa=True)
    services.event_publish(actor=moderator, event=made)
    made.refresh_from_db()
    assert made.state == Event.State.PUBLISHED
    entry = LogEntry.objects.get_for_object(made).filter(
        additional_data__action="community.event.publish"
    )
    assert entry.get().actor == moderator
    assert len(notices("published")) == 1


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at", "past"),
        (
            {
                "starts_at": timezone.now() + timedelta(days=2),
                "ends_at": timezone.now() + timedelta(days=1),
            },
            "ends_at",
            "after the start",
        ),
        ({"capacity": 0}, "capacity", "at least one place"),
        ({"capacity": "ten"}, "capacity", "number"),
        ({"title": ""}, "title", "title"),
        ({"kind": "party"}, "kind", "kinds"),
        ({"latitude": "95", "longitude": "0"}, "latitude", "outside the map"),
        ({"description": "<script>alert(1)</script>"}, "description", "script"),
        ({"image": ten_megabyte_jpg(), "image_description": "x"}, "image", "largest"),
        ({"image": pdf_named_jpg(), "image_description": "x"}, "image", "not a picture"),
    ],
)
def test_event_create_refuses_bad_input_with_a_message_and_stores_nothing(
    event_organiser, fields, field, words
):
    with pytest.raises(ValidationError) as error:
        services.event_create(actor=event_organiser, **event_fields(**fields))
    assert words in " ".join(error.value.message_dict[field])
    assert not Event.objects.exists()


def test_event_image_is_reencoded_without_gps(event_organiser):
    made = event(by=event_organiser, image=jpeg_with_gps(), image_description="The river")
    from PIL import Image

    with Image.open(made.image.path) as stored:
        assert not stored.getexif().get_ifd(0x8825)


def test_sign_up_gives_places_then_waiting_list_in_order(event_organiser):
    made = event(by=event_organiser, capacity=2)
    people = residents(4)
    statuses = [services.signup_create(actor=p, event=made).status for p in people]
    assert statuses == ["confirmed", "confirmed", "waiting", "waiting"]
    made.refresh_from_db()
    assert made.confirmed_count == 2


def test_signing_up_twice_keeps_one_sign_up(event_organiser, resident):
    made = event(by=event_organiser)
    first = services.signup_create(actor=resident, event=made)
    again = services.signup_create(actor=resident, event=made)
    assert first.pk == again.pk
    assert EventSignup.objects.count() == 1


def test_database_refuses_a_second_active_sign_up_and_an_overfull_event(event_organiser, resident):
    made = event(by=event_organiser, capacity=1)
    services.signup_create(actor=resident, event=made)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventSignup.objects.create(event=made, user=resident, status="waiting")
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=made.pk).update(confirmed_count=2)


def test_cancelling_a_place_promotes_the_first_waiting_and_notifies_them(
    event_organiser, django_capture_on_commit_callbacks
):
    made = event(by=event_organiser, capacity=1)
    first, second, third = residents(3)
    for person in (first, second, third):
        services.signup_create(actor=person, event=made)
    with django_capture_on_commit_callbacks() as callbacks:
        services.signup_cancel(actor=first, event=made)
    assert callbacks, "the promotion notice is handed to workers on commit"
    assert EventSignup.objects.get(user=second, event=made).status == "confirmed"
    assert EventSignup.objects.get(user=third, event=made).status == "waiting"
    promoted = notices("promoted")
    assert next(d.recipient for n in promoted for d in n.deliveries.all()) == second
    made.refresh_from_db()
    assert made.confirmed_count == 1


def test_cancelling_a_waiting_place_promotes_nobody(event_organiser):
    made = event(by=event_organiser, capacity=1)
    first, second = residents(2)
    services.signup_create(actor=first, event=made)
    services.signup_create(actor=second, event=made)
    services.signup_cancel(actor=second, event=made)
    assert EventSignup.objects.get(user=first).status == "confirmed"
    assert not notices("promoted")


def test_resident_can_sign_up_again_after_cancelling(event_organiser, resident):
    made = event(by=event_organiser)
    services.signup_create(actor=resident, event=made)
    services.signup_cancel(actor=resident, event=made)
    services.signup_create(actor=resident, event=made)
    assert EventSignup.objects.filter(user=resident, status="confirmed").count() == 1


def test_change_bumps_sequence_and_notifies_everyone_signed_up(event_organiser):
    made = event(by=event_organiser, capacity=1)
    first, second = residents(2)
    services.signup_create(actor=first, event=made)
    services.signup_create(actor=second, event=made)
    fields = event_fields(place="The boat club", capacity=2, starts_at=made.starts_at,
                          ends_at=made.ends_at)  # fmt: skip
    changed = services.event_update(actor=event_organiser, event=made, **fields)
    assert changed.sequence == made.sequence + 1
    assert EventSignup.objects.get(user=second).status == "confirmed"  # the new place
    recipients = {d.recipient for n in notices("changed") for d in n.deliveries.all()}
    assert recipients == {first}  # the promoted one heard of their place instead


def test_capacity_below_confirmed_places_is_refused(event_organiser):
    made = event(by=event_organiser, capacity=2)
    for person in residents(2):
        services.signup_create(actor=person, event=made)
    with pytest.raises(ValidationError) as error:
        services.event_update(
            actor=event_organiser,
            event=made,
            **event_fields(capacity=1, starts_at=made.starts_at, ends_at=made.ends_at),
        )
    assert "already have a place" in error.value.message_dict["capacity"][0]
    made.refresh_from_db()
    assert made.capacity == 2


def test_cancellation_notifies_everyone_and_bumps_sequence(event_organiser):
    made = event(by=event_organiser, capacity=1)
    people = residents(2)
    for person in people:
        services.signup_create(actor=person, event=made)
    cancelled = services.event_cancel(actor=event_organiser, event=made, reason="Storm forecast")
    assert cancelled.state == Event.State.CANCELLED
    assert cancelled.sequence == 1
    recipients = {d.recipient for n in notices("cancelled") for d in n.deliveries.all()}
    assert recipients == set(people)
    with pytest.raises(ValidationError):
        services.signup_create(actor=UserFactory(), event=made)


def test_only_the_organiser_checks_in_and_messages(event_organiser, resident):
    made = event(by=event_organiser)
    signup = services.signup_create(actor=resident, event=made)
    with pytest.raises(PermissionDenied):
        services.signup_check_in(actor=resident, signup=signup)
    checked = services.signup_check_in(actor=event_organiser, signup=signup)
    assert checked.checked_in_at is not None
    with pytest.raises(PermissionDenied):
        services.event_message_send(actor=resident, event=made, message="Hi")
    assert services.event_message_send(actor=event_organiser, event=made, message="Bring tea") == 1
    assert notices("message")[0].context["params"]["message"] == "Bring tea"


def test_outcome_is_recorded_after_the_event_with_photos(event_organiser):
    upcoming = event(by=event_organiser)
    with pytest.raises(ValidationError):
        services.event_outcome_record(actor=event_organiser, event=upcoming, attendance=3,
                                      outcome="Done")  # fmt: skip
    made = past_event(by=event_organiser)
    with pytest.raises(ValidationError) as error:
        services.event_outcome_record(actor=event_organiser, event=made, attendance=-1,
                                      outcome="", photos=[(pdf_named_jpg(), "x")])  # fmt: skip
    assert set(error.value.message_dict) == {"attendance", "outcome", "photos"}
    services.event_outcome_record(
        actor=event_organiser, event=made, attendance=14, outcome="42 bags of **litter**.",
        photos=[(jpeg_with_gps(), "Bags piled up")],
    )  # fmt: skip
    made.refresh_from_db()
    assert made.outcome_attendance == 14
    assert "<strong>litter</strong>" in made.outcome_html
    assert EventPhoto.objects.get(event=made).description == "Bags piled up"


def test_reminders_go_once_per_confirmed_sign_up_whatever_reruns(event_organiser):
    tomorrow = timezone.now() + timedelta(hours=20)
    soon = event(by=event_organiser, capacity=1, starts_at=tomorrow,
                 ends_at=tomorrow + timedelta(hours=2))  # fmt: skip
    later = event(by=event_organiser)  # in three days: not yet
    first, second = residents(2)
    for person in (first, second):
        services.signup_create(actor=person, event=soon)
        services.signup_create(actor=person, event=later)
    assert services.event_reminders_send() == 1
    assert services.event_reminders_send() == 0
    assert EventReminder.objects.get().signup.user == first
    assert len(notices("reminder")) == 1


def test_personal_data_export_and_erase_free_the_place(event_organiser):
    made = event(by=event_organiser, capacity=1)
    first, second = residents(2)
    services.signup_create(actor=first, event=made)
    services.signup_create(actor=second, event=made)
    exported = services.events_personal_data_export(first)
    assert exported["signups"][0]["event"] == made.title
    assert exported["signups"][0]["status"] == "confirmed"
    account_delete(user=first, confirmation=DEFAULT_PASSWORD)
    assert not EventSignup.objects.filter(user_id=first.pk).exists()
    assert EventSignup.objects.get(user=second).status == "confirmed"
    made.refresh_from_db()
    assert made.confirmed_count == 1
    assert services.events_personal_data_export(event_organiser)["organised_events"]


def test_residents_proposals_are_limited_per_day(settings):
    settings.COMMUNITY_RESIDENT_EVENTS = True
    settings.COMMUNITY_RESIDENT_EVENTS_PER_DAY = 2
    verified = UserFactory(verified=True)
    for _ in range(2):
        services.event_create(actor=verified, **event_fields())
    with pytest.raises(ValidationError) as error:
        services.event_create(actor=verified, **event_fields())
    assert error.value.code == "rate_limited"
    assert Event.objects.count() == 2


def test_moderator_rejects_a_residents_event_with_a_reason_told_to_them(settings):
    settings.COMMUNITY_RESIDENT_EVENTS = True
    verified = UserFactory(verified=True)
    made = services.event_create(actor=verified, **event_fields())
    moderator = StaffFactory(role="Moderator", mfa=True)
    with pytest.raises(ValidationError):
        services.event_reject(actor=moderator, event=made, reason="")
    with pytest.raises(PermissionDenied):
        services.event_reject(actor=UserFactory(), event=made, reason="No")
    services.event_reject(actor=moderator, event=made, reason="Please add the meeting place")
    made.refresh_from_db()
    assert made.state == Event.State.REJECTED
    assert notices("rejected")[0].context["params"]["reason"] == "Please add the meeting place"
    with pytest.raises(ValidationError):
        services.event_publish(actor=moderator, event=made)
