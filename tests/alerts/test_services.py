"""The state machine and the two-person rule in the services, and subscription matching."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts import selectors, services
from alerts.models import Alert, AlertMessage, CapStatus, GroundReport
from alerts.roles import ALERT_AUTHOR
from alerts.services.lifecycle import ALL_CLEAR_INSTRUCTION
from civicportal.accounts import roles
from civicportal.notifications.models import PhoneNumber
from tests.accounts.factories import StaffFactory, UserFactory
from tests.alerts.factories import (
    approver,
    area,
    author,
    content,
    draft,
    pending,
    published,
    subscriber,
)

pytestmark = pytest.mark.django_db


# --- Two-person rule ---------------------------------------------------------------------


def test_alert_approve_refuses_the_author_even_with_both_roles():
    both = StaffFactory(role=ALERT_AUTHOR, mfa=True)
    both.groups.add(*approver().groups.all())
    alert = pending(by=both)
    message = alert.messages.get()
    with pytest.raises(PermissionDenied, match="two-person rule"):
        services.alert_approve(
            actor=both, message=message, version=services.message_version(message)
        )
    alert.refresh_from_db()
    assert alert.state == Alert.State.PENDING
    assert alert.messages.get().state == AlertMessage.State.PENDING


@pytest.mark.parametrize("role", [None, ALERT_AUTHOR, roles.MODERATOR, roles.ADMINISTRATOR])
def test_alert_approve_refuses_anyone_without_the_approver_role(role):
    message = pending().messages.get()
    with pytest.raises(PermissionDenied, match="approver role"):
        services.alert_approve(
            actor=StaffFactory(role=role, mfa=True),
            message=message,
            version=services.message_version(message),
        )
    assert Alert.objects.get().state == Alert.State.PENDING


def test_alert_approve_refuses_a_resident():
    message = pending().messages.get()
    with pytest.raises(PermissionDenied):
        services.alert_approve(
            actor=UserFactory(), message=message, version=services.message_version(message)
        )


def test_database_refuses_self_approval_whatever_the_code_path():
    alert = pending()
    message = alert.messages.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertMessage.objects.filter(pk=message.pk).update(approver=message.author)


def test_alert_approve_publishes_sets_approver_and_sent():
    by, second = author(), approver()
    alert = pending(by=by)
    pending_message = alert.messages.get()
    message = services.alert_approve(
        actor=second, message=pending_message, version=services.message_version(pending_message)
    )
    alert.refresh_from_db()
    assert alert.state == Alert.State.PUBLISHED
    assert alert.current_message == message
    assert message.approver == second and message.approved_at and message.sent
    assert alert.expires_at == message.expires


def test_alert_approve_twice_is_refused_the_second_time():
    alert = pending()
    message = alert.messages.get()
    services.alert_approve(
        actor=approver(), message=message, version=services.message_version(message)
    )
    with pytest.raises(ValidationError, match="waiting for approval"):
        services.alert_approve(
            actor=approver(), message=message, version=services.message_version(message)
        )


# --- State machine -----------------------------------------------------------------------


def test_draft_cannot_be_approved_before_it_is_submitted():
    alert = draft()
    with pytest.raises(ValidationError):
        message = alert.messages.get()
        services.alert_approve(
            actor=approver(), message=message, version=services.message_version(message)
        )


def test_only_the_author_changes_or_submits_a_draft():
    alert = draft()
    other = author()
    with pytest.raises(PermissionDenied):
        services.alert_draft_update(actor=other, message=alert.messages.get(), content=content())
    with pytest.raises(PermissionDenied):
        services.alert_submit_for_approval(actor=other, message=alert.messages.get())


def test_pending_message_cannot_be_changed_or_submitted_again():
    by = author()
    alert = pending(by=by)
    message = alert.messages.get()
    with pytest.raises(ValidationError):
        services.alert_draft_update(actor=by, message=message, content=content())
    with pytest.raises(ValidationError):
        services.alert_submit_for_approval(actor=by, message=message)


def test_return_to_author_puts_the_message_back_to_draft():
    by = author()
    alert = pending(by=by)
    services.alert_return_to_author(actor=approver(), message=alert.messages.get(), reason="Typo")
    alert.refresh_from_db()
    assert alert.state == Alert.State.DRAFT
    assert alert.messages.get().state == AlertMessage.State.DRAFT


def test_draft_create_refuses_bad_content_and_non_authors():
    with pytest.raises(ValidationError) as error:
        services.alert_draft_create(
            actor=author(), content=content(expires=timezone.now() - timedelta(minutes=1))
        )
    assert "expires" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.alert_draft_create(
            actor=author(), content=content(second_language="is", areas=[area()])
        )
    assert "second_headline" in error.value.error_dict
    with pytest.raises(PermissionDenied):
        services.alert_draft_create(actor=approver(), content=content())
    assert not Alert.objects.exists()


def test_update_needs_approval_and_references_the_earlier_message():
    by = author()
    alert = published(by=by)
    first = alert.current_message
    update = services.alert_update(
        actor=by, alert=alert, content=content(headline="Water rising"), note="Higher"
    )
    assert update.state == AlertMessage.State.PENDING
    alert.refresh_from_db()
    assert alert.state == Alert.State.PUBLISHED and alert.current_message == first
    with pytest.raises(PermissionDenied):
        services.alert_approve(actor=by, message=update, version=services.message_version(update))
    services.alert_approve(
        actor=approver(), message=update, version=services.message_version(update)
    )
    alert.refresh_from_db()
    update.refresh_from_db()
    assert alert.state == Alert.State.UPDATED
    assert alert.headline == "Water rising"
    assert update.msg_type == "Update"
    assert update.references == first.cap_reference
    assert update.references.count(",") == 2
    assert update.references.endswith("+00:00")


def test_second_update_waits_while_one_is_pending():
    by = author()
    alert = published(by=by)
    services.alert_update(actor=by, alert=alert, content=content())
    with pytest.raises(ValidationError, match="already waiting"):
        services.alert_update(actor=by, alert=alert, content=content())


def test_cancel_is_one_step_references_all_earlier_and_withdraws_a_pending_update():
    by = author()
    alert = published(by=by)
    update = services.alert_update(actor=by, alert=alert, content=content())
    cancel = services.alert_cancel(actor=by, alert=alert, note="The water has gone down.")
    alert.refresh_from_db()
    update.refresh_from_db()
    assert alert.state == Alert.State.CANCELLED
    assert cancel.state == AlertMessage.State.PUBLISHED and cancel.msg_type == "Cancel"
    assert cancel.approver is None
    assert cancel.references == alert.messages.get(sequence=1).cap_reference
    assert cancel.response_type == "AllClear"
    assert update.state == AlertMessage.State.WITHDRAWN
    # Only fixed words went out; the note waits for a second person.
    assert cancel.instruction == ALL_CLEAR_INSTRUCTION and cancel.note == ""
    held = alert.messages.get(state=AlertMessage.State.PENDING)
    assert held.msg_type == "Cancel" and held.instruction == "The water has gone down."


def test_cancel_without_a_note_holds_nothing_back():
    by = author()
    alert = published(by=by)
    cancel = services.alert_cancel(actor=by, alert=alert)
    assert cancel.state == AlertMessage.State.PUBLISHED
    assert not alert.messages.filter(state=AlertMessage.State.PENDING).exists()


def test_cancel_note_can_be_sent_back_changed_and_approved_on_the_cancelled_alert():
    by = author()
    by.groups.add(*approver().groups.all())  # even holding both roles, not their own note
    alert = published(by=by)
    services.alert_cancel(actor=by, alert=alert, note="Water has gone dwon.")
    held = alert.messages.get(state=AlertMessage.State.PENDING)
    with pytest.raises(PermissionDenied, match="two-person rule"):
        services.alert_approve(actor=by, message=held, version=services.message_version(held))
    services.alert_return_to_author(actor=approver(), message=held, reason="Typo")
    services.alert_draft_update(
        actor=by,
        message=held,
        content=dataclasses.replace(
            services.MessageContent.from_message(held), instruction="The water has gone down."
        ),
    )
    services.alert_submit_for_approval(actor=by, message=held)
    held.refresh_from_db()
    services.alert_approve(actor=approver(), message=held, version=services.message_version(held))
    held.refresh_from_db()
    alert.refresh_from_db()
    assert held.state == AlertMessage.State.PUBLISHED and held.instruction.endswith("gone down.")
    assert alert.state == Alert.State.CANCELLED and alert.current_message == held


def test_alert_approve_refuses_a_missing_or_stale_version_and_sends_nothing():
    alert = pending()
    message = alert.messages.get()
    reviewed = services.message_version(message)
    with pytest.raises(ValidationError, match="which version you reviewed"):
        services.alert_approve(actor=approver(), message=message, version="")
    # Any public field counts, an area's boundary too.
    area_ = message.areas.get()
    area_.boundary = {**area_.boundary, "coordinates": [[[0, 0], [0, 1], [1, 1], [0, 0]]]}
    area_.save()
    with pytest.raises(services.StaleApproval, match="changed since you opened it"):
        services.alert_approve(actor=approver(), message=message, version=reviewed)
    message.refresh_from_db()
    assert message.state == AlertMessage.State.PENDING and message.sent is None
    assert services.message_version(message) != reviewed


@pytest.mark.parametrize("state", ["draft", "pending", "cancelled", "expired"])
def test_update_and_cancel_refused_unless_in_force(state):
    by = author()
    if state == "draft":
        alert = draft(by=by)
    elif state == "pending":
        alert = pending(by=by)
    else:
        alert = published(by=by)
        if state == "cancelled":
            services.alert_cancel(actor=by, alert=alert, note="Over")
        else:
            Alert.objects.filter(pk=alert.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            )
            services.alerts_expire()
    alert.refresh_from_db()
    with pytest.raises(ValidationError):
        services.alert_update(actor=by, alert=alert, content=content())
    with pytest.raises(ValidationError):
        services.alert_cancel(actor=by, alert=alert, note="Again")


def test_cancel_refused_for_residents_and_moderators():
    alert = published()
    for actor in (UserFactory(), StaffFactory(role=roles.MODERATOR, mfa=True)):
        with pytest.raises(PermissionDenied):
            services.alert_cancel(actor=actor, alert=alert, note="No")


# --- Expiry ------------------------------------------------------------------------------


def test_expired_alert_leaves_banner_at_once_and_becomes_expired_on_sweep():
    alert = published()
    assert [a.pk for a in selectors.banner_alerts()] == [alert.pk]
    later = alert.expires_at + timedelta(seconds=1)
    assert selectors.banner_alerts(now=later) == []  # even from the cached list
    assert services.alerts_expire(now=later) == 1
    assert services.alerts_expire(now=later) == 0  # safe to run twice
    alert.refresh_from_db()
    assert alert.state == Alert.State.EXPIRED
    assert list(selectors.alert_list(active=False)) == [alert]


def test_exercise_never_in_banner_feed_or_public_list():
    exercise = published(status=CapStatus.EXERCISE)
    assert exercise.state == Alert.State.PUBLISHED
    assert selectors.banner_alerts() == []
    assert list(selectors.alert_list(active=None)) == []
    assert list(selectors.message_list_public()) == []


# --- Subscription matching -------------------------------------------------------------------


def test_subscriptions_match_by_area_and_severity():
    flooded, dry = area(), area(boundary=None)
    in_area = subscriber(areas=[flooded])
    everywhere = subscriber()
    elsewhere = subscriber(areas=[dry])
    too_minor = subscriber(areas=[flooded], min_severity=4)
    alert = published(areas=[flooded], severity="Severe")
    reached = set(selectors.subscriptions_for(alert.current_message).values_list("user", flat=True))
    assert reached == {in_area.pk, everywhere.pk}
    assert elsewhere.pk not in reached and too_minor.pk not in reached


def test_drawn_circle_and_polygon_reach_areas_they_touch():
    inside, far = area(), area(boundary=None)
    near = subscriber(areas=[inside])
    away = subscriber(areas=[far])
    circle = published(areas=[], circles=[[52.09, -1.90, 1.5]], area_description="Near the plant")
    assert set(
        selectors.subscriptions_for(circle.current_message).values_list("user", flat=True)
    ) == {near.pk}
    polygon = published(
        areas=[],
        polygons=[[[52.085, -1.93], [52.095, -1.93], [52.095, -1.92], [52.085, -1.93]]],
        area_description="Quay Street",
    )
    assert set(
        selectors.subscriptions_for(polygon.current_message).values_list("user", flat=True)
    ) == {near.pk}
    assert away.pk not in {near.pk}


def test_exercise_reaches_only_test_subscribers():
    where = area()
    tester = subscriber(areas=[where], tests=True)
    subscriber(areas=[where], tests=False)
    alert = published(areas=[where], status=CapStatus.EXERCISE)
    assert list(
        selectors.subscriptions_for(alert.current_message).values_list("user", flat=True)
    ) == [tester.pk]


def test_update_reaches_earlier_audience_too():
    old_area, new_area = area(), area(boundary=None)
    old = subscriber(areas=[old_area])
    new = subscriber(areas=[new_area])
    by = author()
    alert = published(by=by, areas=[old_area])
    update = services.alert_update(actor=by, alert=alert, content=content(areas=[new_area]))
    assert set(selectors.subscriptions_for(update).values_list("user", flat=True)) == {
        old.pk,
        new.pk,
    }


# --- Ground reports ------------------------------------------------------------------------


def test_report_photo_is_reencoded_without_exif_gps():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    alert = published()
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (64.0, 8.0, 0.0)}  # GPSInfo: latitude
    exif[0x010F] = "SpyCam"  # Make
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("scene.jpg", buffer.getvalue(), content_type="image/jpeg")
    assert Image.open(io.BytesIO(buffer.getvalue())).getexif()
    report = services.report_create(
        actor=UserFactory(), alert=alert, text="Water at the door", photo=upload
    )
    with Image.open(report.photo.path) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info


def test_report_refused_on_an_ended_alert_and_triage_by_staff_only():
    by = author()
    alert = published(by=by)
    resident = UserFactory()
    report = services.report_create(actor=resident, alert=alert, text="Road closed")
    with pytest.raises(PermissionDenied):
        services.report_triage(actor=resident, report=report, triage="confirmed")
    services.report_triage(actor=by, report=report, triage="dismissed")
    report.refresh_from_db()
    assert report.triage == GroundReport.Triage.DISMISSED
    services.alert_cancel(actor=by, alert=alert, note="Over")
    with pytest.raises(PermissionDenied):
        services.report_create(actor=resident, alert=alert, text="Late")


def test_update_quotes_a_report_and_confirms_it():
    by = author()
    alert = published(by=by)
    report = services.report_create(actor=UserFactory(), alert=alert, text="Bridge closed")
    update = services.alert_update(actor=by, alert=alert, content=content(), quoted_report=report)
    assert "Bridge closed" in update.description
    report.refresh_from_db()
    assert report.triage == GroundReport.Triage.CONFIRMED


def test_one_subscription_per_user_in_the_database():
    user = subscriber()
    from alerts.models import AlertSubscription

    with pytest.raises(IntegrityError), transaction.atomic():
        AlertSubscription.objects.create(user=user)


def test_subscription_save_keeps_sms_until_the_phone_is_verified():
    user = UserFactory()
    where = area()
    subscription = services.subscription_save(
        user=user, areas=[where], min_severity=3, by_email=True, by_push=False, by_sms=True,
        receive_tests=False,
    )  # fmt: skip
    subscription.refresh_from_db()
    assert subscription.by_sms and subscription.by_email and subscription.min_severity == 3
    assert list(subscription.areas.all()) == [where]
    assert selectors.sms_waiting_for_phone(user=user, subscription=subscription)
    PhoneNumber.objects.create(user=user, number="+3545551234", verified_at=timezone.now())
    assert not selectors.sms_waiting_for_phone(user=user, subscription=subscription)


def test_personal_data_export_and_erase():
    user = subscriber()
    alert = published()
    services.report_create(actor=user, alert=alert, text="Seen")
    data = services.alerts_personal_data_export(user)
    assert data["subscription"]["channels"] == ["email"]
    assert data["ground_reports"][0]["text"] == "Seen"
    services.alerts_personal_data_erase(user)
    assert services.alerts_personal_data_export(user) == {
        "subscription": None,
        "ground_reports": [],
    }
