"""Volunteer call-outs: the register, call-out checks, matching, answers within the cap,
fan-out through the engine, stand-down, audit, CSV and personal data."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import CallOut, CallOutResponse, VolunteerRegistration
from alerts.services import volunteers as services
from civicportal.kernel import personal_data
from civicportal.notifications.models import Delivery, Event
from tests.accounts.factories import UserFactory
from tests.alerts.factories import area, author, published
from tests.alerts.volunteer_factories import callout, content, skill, volunteer

pytestmark = pytest.mark.django_db


def test_registration_save_then_change_keeps_one_entry():
    first_aid, driving = skill("First aid"), skill("Driving")
    user = volunteer(skills=[first_aid])
    services.registration_save(
        user=user, skills=[driving], areas=[], availability="Weekends", consent=True
    )
    entry = VolunteerRegistration.objects.get(user=user)
    assert list(entry.skills.all()) == [driving]
    assert entry.availability == "Weekends"


def test_registration_refuses_control_characters_and_changes_nothing():
    user = volunteer()
    with pytest.raises(ValidationError) as error:
        services.registration_save(
            user=user, skills=[], areas=[], availability="Even\x07ings", consent=True
        )
    assert "availability" in error.value.message_dict
    assert VolunteerRegistration.objects.get(user=user).availability == "Evenings"


def test_registration_delete_leaves_the_register():
    user = volunteer()
    assert services.registration_delete(user=user) is True
    assert not VolunteerRegistration.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"needed": 0}, "needed", "at least one person"),
        (
            {
                "starts_at": timezone.now() - timedelta(hours=3),
                "ends_at": timezone.now() - timedelta(hours=1),
            },
            "ends_at",
            "already over",
        ),
        (
            {
                "starts_at": timezone.now() + timedelta(hours=3),
                "ends_at": timezone.now() + timedelta(hours=2),
            },
            "ends_at",
            "after the start",
        ),
        ({"task": "Sand\x00bags"}, "task", "control character"),
        ({"place": "Quay\x1bStreet"}, "place", "control character"),
    ],
)
def test_callout_create_refuses_bad_input_and_changes_nothing(fields, field, words):
    alert = published()
    with pytest.raises(ValidationError) as error:
        services.callout_create(actor=author(), alert=alert, content=content(**fields))
    assert words in " ".join(error.value.message_dict[field])
    assert CallOut.objects.count() == 0


def test_callout_create_refuses_an_alert_not_in_force():
    from tests.alerts.factories import draft

    with pytest.raises(ValidationError, match="in force"):
        services.callout_create(actor=author(), alert=draft(), content=content())


def test_callout_reaches_volunteers_by_area_skill_consent_and_exercise():
    harbour, hill = area(name="Harbour"), area(name="Hill")
    first_aid, driving = skill("First aid"), skill("Driving")
    medic_harbour = volunteer(skills=[first_aid], areas=[harbour])
    medic_anywhere = volunteer(skills=[first_aid, driving])
    medic_hill = volunteer(skills=[first_aid], areas=[hill])
    driver_harbour = volunteer(skills=[driving], areas=[harbour])
    volunteer(skills=[first_aid], areas=[harbour], consent=False)
    real = callout(skills=(first_aid,), areas=(harbour,))
    reached = set(services.volunteers_for(real).values_list("user_id", flat=True))
    assert reached == {medic_harbour.pk, medic_anywhere.pk}
    assert medic_hill.pk not in reached and driver_harbour.pk not in reached

    practice_volunteer = volunteer(skills=[first_aid], exercises=True)
    exercise = callout(exercise=True, skills=(first_aid,))
    assert set(services.volunteers_for(exercise).values_list("user_id", flat=True)) == {
        practice_volunteer.pk
    }


def test_callout_create_enqueues_its_fan_out_on_commit(django_capture_on_commit_callbacks):
    alert = published()
    with django_capture_on_commit_callbacks() as callbacks:
        services.callout_create(actor=author(), alert=alert, content=content())
    assert len(callbacks) >= 1


def test_callout_fan_out_writes_one_urgent_delivery_per_volunteer_and_channel(settings):
    # Small pages and first chunk: several pages per pass, passes overlapping.
    settings.ALERTS_FANOUT_BATCH = 2
    settings.NOTIFICATIONS_CHUNK_SIZE = 3
    volunteers = [volunteer() for _ in range(5)]
    posted = callout()
    assert services.callout_fan_out(callout_id=posted.pk) == 5
    event = Event.objects.get(idempotency_key=services.callout_event_key(posted))
    assert event.urgent is True and event.kind == services.CALLOUT_TOPIC
    rows = list(Delivery.objects.filter(event=event).values_list("recipient_id", "channel"))
    # The topic's default channels: email and the in-app inbox.
    assert sorted(rows) == sorted(
        [(user.pk, channel) for user in volunteers for channel in ("email", "inbox")]
    )
    services.callout_fan_out(callout_id=posted.pk)  # a rerun adds nothing
    assert Delivery.objects.filter(event=event).count() == len(rows)
    posted.refresh_from_db()
    assert posted.fanout_completed_at is not None


def test_accept_within_places_then_full_refused_with_message():
    posted = callout(needed=2)
    first, second, third = volunteer(), volunteer(), volunteer()
    services.callout_respond(actor=first, callout=posted, answer="accepted")
    services.callout_respond(actor=second, callout=posted, answer="accepted")
    with pytest.raises(ValidationError, match="all 2 places are already taken"):
        services.callout_respond(actor=third, callout=posted, answer="accepted")
    posted.refresh_from_db()
    assert posted.accepted_count == 2
    assert not CallOutResponse.objects.filter(user=third).exists()


def test_changing_an_accept_to_a_decline_frees_the_place():
    posted = callout(needed=1)
    first, second = volunteer(), volunteer()
    services.callout_respond(actor=first, callout=posted, answer="accepted")
    services.callout_respond(actor=first, callout=posted, answer="declined")
    services.callout_respond(actor=second, callout=posted, answer="accepted")
    posted.refresh_from_db()
    assert posted.accepted_count == 1


def test_respond_refuses_residents_the_callout_does_not_reach():
    posted = callout(skills=(skill("Driving"),))
    with pytest.raises(ValidationError, match="registered volunteers"):
        services.callout_respond(actor=UserFactory(), callout=posted, answer="accepted")
    with pytest.raises(ValidationError, match="registered volunteers"):
        services.callout_respond(
            actor=volunteer(skills=[skill("Cooking")]), callout=posted, answer="accepted"
        )


def test_database_refuses_more_accepted_than_needed():
    posted = callout(needed=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CallOut.objects.filter(pk=posted.pk).update(accepted_count=2)


def test_check_in_and_out_are_audited():
    staff = author()
    posted = callout(by=staff)
    response = services.callout_respond(actor=volunteer(), callout=posted, answer="accepted")
    with pytest.raises(ValidationError, match="Check this volunteer in"):
        services.response_check(actor=staff, response=response, step="out")
    services.response_check(actor=staff, response=response, step="in")
    services.response_check(actor=staff, response=response, step="out")
    response.refresh_from_db()
    assert response.checked_in_at <= response.checked_out_at
    actions = [
        entry.additional_data["action"]
        for entry in LogEntry.objects.get_for_object(posted).exclude(additional_data=None)
    ]
    assert {"alerts.callout.post", "alerts.callout.check_in", "alerts.callout.check_out"} <= set(
        actions
    )


def test_stand_down_tells_everyone_who_accepted_and_refuses_later_answers():
    staff = author()
    posted = callout(by=staff)
    accepted, declined, late = volunteer(), volunteer(), volunteer()
    services.callout_respond(actor=accepted, callout=posted, answer="accepted")
    services.callout_respond(actor=declined, callout=posted, answer="declined")
    services.callout_stand_down(actor=staff, callout=posted)
    event = Event.objects.get(idempotency_key=f"alerts.callout.{posted.pk}.stand_down")
    assert event.urgent
    assert set(Delivery.objects.filter(event=event).values_list("recipient_id", flat=True)) == {
        accepted.pk
    }
    with pytest.raises(ValidationError, match="stood down"):
        services.callout_respond(actor=late, callout=posted, answer="accepted")
    assert (
        LogEntry.objects.get_for_object(posted)
        .filter(additional_data__action="alerts.callout.stand_down")
        .exists()
    )


def test_answers_after_the_time_window_are_refused_and_change_nothing():
    posted = callout()
    early, late = volunteer(), volunteer()
    services.callout_respond(actor=early, callout=posted, answer="accepted")
    over = timezone.now() - timedelta(minutes=1)
    CallOut.objects.filter(pk=posted.pk).update(starts_at=over - timedelta(hours=2), ends_at=over)
    with pytest.raises(ValidationError, match="time window is over"):
        services.callout_respond(actor=late, callout=posted, answer="accepted")
    with pytest.raises(ValidationError, match="time window is over"):
        services.callout_respond(actor=early, callout=posted, answer="declined")
    posted.refresh_from_db()
    assert posted.accepted_count == 1
    assert list(CallOutResponse.objects.values_list("user", "answer")) == [(early.pk, "accepted")]


def test_roster_csv_neutralises_formulas():
    posted = callout()
    user = volunteer(display_name="=HYPERLINK(1)")
    services.callout_respond(actor=user, callout=posted, answer="accepted")
    out = io.StringIO()
    services.roster_csv_write(out, responses=CallOutResponse.objects.filter(callout=posted))
    text = out.getvalue()
    assert "'=HYPERLINK(1)" in text
    assert user.email in text


def test_personal_data_export_and_erase_cover_register_and_answers():
    posted = callout(needed=3)
    user = volunteer(skills=[skill("Driving")])
    services.callout_respond(actor=user, callout=posted, answer="accepted")
    exported = services.volunteers_personal_data_export(user)
    assert exported["registration"]["skills"] == ["Driving"]
    assert exported["callout_responses"][0]["answer"] == "accepted"
    assert "alerts.volunteers" in {part.name for part in personal_data.parts()}
    services.volunteers_personal_data_erase(user)
    assert not VolunteerRegistration.objects.filter(user=user).exists()
    assert not CallOutResponse.objects.filter(user=user).exists()
    posted.refresh_from_db()
    assert posted.accepted_count == 0
