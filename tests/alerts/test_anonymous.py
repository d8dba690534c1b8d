"""Alerts for people without an account, and alerts in one language whole.

The fan-out reaches confirmed subscribers by area and severity like residents, through
the same outbox (a Delivery to the subscriber); their emails and texts carry the link that
ends the subscription; the sign-up page never tells whether an address is subscribed.
An alert without text in a reader's language reaches them whole in its first language,
and the author and the approver are told before it goes out.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from alerts import selectors, services
from alerts.models import AlertSubscription, CapStatus
from alerts.services.anonymous import anonymous_choices
from civicportal.notifications.channels.email import EmailChannel
from civicportal.notifications.channels.sms import sms_text
from civicportal.notifications.models import Delivery, Event, Subscriber
from civicportal.notifications.rendering import delivery_language, message_render
from tests.alerts.factories import area, pending, published, subscriber

pytestmark = pytest.mark.django_db


def anonymous(address, *, areas=(), severity=1, tests=False, language="en", confirmed=True):
    """A subscriber without an account whose sign-up is confirmed (or not)."""
    channel = "sms" if address.startswith("+") else "email"
    row = Subscriber.objects.create(
        topic="alerts.alert",
        channel=channel,
        address=address,
        language=language,
        token=f"token-{address}",
        confirmed_at=timezone.now() if confirmed else None,
    )
    if confirmed:
        services.anonymous.anonymous_subscription_apply(
            row,
            anonymous_choices(areas=list(areas), min_severity=severity, receive_tests=tests),
        )
    return row


# --- Who an alert reaches -------------------------------------------------------------------------


def test_fan_out_reaches_confirmed_subscribers_by_area_and_severity_through_the_outbox():
    here, there = area(name="Old Town"), area(name="Harbour")
    by_email = anonymous("anna@example.org", areas=[here])
    by_sms = anonymous("+3545551234", severity=3)  # anywhere, severe and above
    anonymous("far@example.org", areas=[there])
    anonymous("minor@example.org", severity=4)  # extreme only
    anonymous("waiting@example.org", confirmed=False)
    resident = subscriber(areas=[here])
    alert = published(areas=[here], severity="Severe")
    message = alert.current_message
    assert services.alert_message_fan_out(message_id=message.pk) == 3
    rows = Delivery.objects.exclude(channel="social")
    assert set(rows.values_list("subscriber", "recipient", "channel", "address")) == {
        (by_email.pk, None, "email", "anna@example.org"),
        (by_sms.pk, None, "sms", "+3545551234"),
        (None, resident.pk, "email", resident.email),
    }
    services.alert_message_fan_out(message_id=message.pk)  # a rerun adds nobody
    assert rows.count() == 3
    counts = selectors.audience_counts(message)
    assert (counts["residents"], counts["anonymous"], counts["email"], counts["sms"]) == (
        1,
        2,
        2,
        1,
    )


def test_exercises_reach_only_subscribers_who_asked_for_them():
    where = area()
    wants = anonymous("drills@example.org", tests=True)
    anonymous("real@example.org")
    alert = published(areas=[where], status=CapStatus.EXERCISE)
    services.alert_message_fan_out(message_id=alert.current_message.pk)
    assert list(Delivery.objects.values_list("subscriber", flat=True)) == [wants.pk]


def test_a_subscribers_email_and_text_end_with_the_link_that_ends_it(settings):
    settings.SITE_URL = "https://portal.example.org"
    by_email = anonymous("anna@example.org")
    by_sms = anonymous("+3545551234")
    alert = published(headline="Flooding on Quay Street")
    services.alert_message_fan_out(message_id=alert.current_message.pk)
    email = Delivery.objects.select_related("event", "subscriber").get(subscriber=by_email)
    built = EmailChannel().message_build(email)
    page = f"https://portal.example.org/s/{by_email.token}/"
    assert built.extra_headers["List-Unsubscribe"] == f"<{page}>"
    assert built.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert page in built.body and "Flooding on Quay Street" in built.subject
    text = sms_text(Delivery.objects.select_related("event", "subscriber").get(subscriber=by_sms))
    assert text.endswith(f"Stop these texts: https://portal.example.org/s/{by_sms.token}/")
    assert len(text) <= settings.NOTIFICATIONS_SMS_MAX_LENGTH


def test_leaving_stops_the_deliveries_still_waiting():
    leaving = anonymous("anna@example.org")
    alert = published()
    services.alert_message_fan_out(message_id=alert.current_message.pk)
    assert Delivery.objects.filter(subscriber=leaving, status="pending").count() == 1
    leaving.delete()
    assert not Delivery.objects.filter(address="anna@example.org").exists()
    assert not AlertSubscription.objects.exists()


# --- One language, whole ----------------------------------------------------------------------


def _subjects() -> dict[str, str]:
    """Each delivery's address and the subject it is sent with."""
    rows = Delivery.objects.select_related("event", "recipient", "subscriber").exclude(
        channel="social"
    )
    return {
        row.address: message_render(
            event=row.event, recipient=row.recipient, language=delivery_language(row), html=False
        ).subject
        for row in rows
    }


def test_readers_of_a_language_without_text_get_the_whole_message_in_the_first():
    where = area()
    resident = subscriber(areas=[where], preferred_language="is")
    anonymous("jon@example.org", language="is")
    alert = published(areas=[where], severity="Severe", headline="Flooding on Quay Street")
    services.alert_message_fan_out(message_id=alert.current_message.pk)
    subjects = _subjects()
    # Not "Alvarleg viðvörun: Flooding on Quay Street": one language, the author's.
    assert subjects[resident.email] == "Severe warning: Flooding on Quay Street"
    assert subjects["jon@example.org"] == "Severe warning: Flooding on Quay Street"
    assert Event.objects.get().context["language"] == "en"


def test_readers_of_the_second_language_get_it_whole_in_that_language():
    where = area()
    resident = subscriber(areas=[where], preferred_language="is")
    english = subscriber(areas=[where], preferred_language="en")
    anonymous("jon@example.org", language="is")
    alert = published(
        areas=[where],
        severity="Severe",
        second_language="is",
        second_headline="Flóð við Hafnargötu",
        second_description="Áin flæðir.",
        second_instruction="Haldið ykkur frá ánni.",
    )
    services.alert_message_fan_out(message_id=alert.current_message.pk)
    subjects = _subjects()
    assert subjects[resident.email] == "Alvarleg viðvörun: Flóð við Hafnargötu"
    assert subjects["jon@example.org"] == "Alvarleg viðvörun: Flóð við Hafnargötu"
    assert subjects[english.email] == "Severe warning: Flooding on Quay Street"


def test_languages_missing_counts_the_readers_who_get_the_first_language():
    where = area()
    subscriber(areas=[where], preferred_language="is")
    subscriber(areas=[where], preferred_language="en")
    anonymous("jon@example.org", language="is")
    anonymous("far@example.org", language="is", areas=[area()])
    message = pending(areas=[where]).messages.get()
    [missing] = selectors.languages_missing(message)
    assert (missing["code"], str(missing["name"]), missing["readers"]) == ("is", "Icelandic", 2)
    assert str(missing["first"]) == "English"
    both = pending(
        areas=[where],
        second_language="is",
        second_headline="Flóð",
        second_description="Áin flæðir.",
        second_instruction="Haldið ykkur frá ánni.",
    ).messages.get()
    assert selectors.languages_missing(both) == []


# --- The sign-up page ---------------------------------------------------------------------------


def _sign_up(client, address, **extra):
    return client.post(
        "/alerts/subscribe/", {"address": address, "min_severity": 1, **extra}, follow=True
    )


def _page_text(response) -> str:
    """What the visitor reads, without the per-request CSRF tokens."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'name="csrf-token" content="[^"]*"', "", page)


def test_the_sign_up_page_answers_alike_for_new_waiting_and_subscribed_addresses(client):
    anonymous("subscribed@example.org")
    _sign_up(client, "waiting@example.org")  # now waiting for confirmation
    answers = {}
    for address in ("new@example.org", "waiting@example.org", "subscribed@example.org"):
        response = _sign_up(client, address)
        assert response.status_code == 200
        answers[address] = _page_text(response).replace(address, "ADDRESS")
    assert len(set(answers.values())) == 1
    assert "We sent a link to ADDRESS" in answers["new@example.org"]
    # Each was sent a confirmation, and nothing else.
    assert [m.to for m in mail.outbox[1:]] == [
        ["new@example.org"],
        ["waiting@example.org"],
        ["subscribed@example.org"],
    ]
    assert all("Confirm" in m.subject for m in mail.outbox)


def test_the_sign_up_page_refuses_bad_input_with_a_message_and_never_500(client):
    for data in (
        {"address": "not an address", "min_severity": 1},
        {"address": "anna@example.org", "min_severity": 7},
        {"address": "anna@example.org", "min_severity": "x"},
        {"address": "anna@example.org", "min_severity": 1, "areas": ["999999"]},
        {"address": "anna@example.org", "min_severity": 1, "areas": ["x"]},
        {"address": "", "min_severity": 1},
        {"address": "a\x00@example.org", "min_severity": 1},
    ):
        response = client.post("/alerts/subscribe/", data)
        assert response.status_code in (200, 400), data
        assert "There is a problem" in response.content.decode(), data
    assert not Subscriber.objects.exists() and mail.outbox == []


def test_the_sign_up_page_says_when_the_limit_is_reached(client, settings):
    settings.NOTIFICATIONS_SUBSCRIBE_CLIENT_HOURLY = 1
    _sign_up(client, "anna@example.org")
    response = client.post("/alerts/subscribe/", {"address": "bob@example.org", "min_severity": 1})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "your network" in response.content.decode()


def test_a_sign_up_by_phone_goes_to_the_code_page(client, sms_file):
    response = client.post("/alerts/subscribe/", {"address": "+354 555 1234", "min_severity": 2})
    assert response.status_code == 302 and response["Location"] == "/subscriptions/code/"
    code = re.search(r"\b(\d{6})\b", sms_file()[0]["text"]).group(1)
    page = client.post("/subscriptions/code/", {"code": code}, follow=True)
    row = Subscriber.objects.get()
    assert row.is_confirmed and page.redirect_chain[-1][0] == f"/s/{row.token}/"
    assert AlertSubscription.objects.get(subscriber=row).by_sms


def test_signed_in_residents_are_sent_to_their_own_subscription_page(client):
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get("/alerts/subscribe/")["Location"] == "/alerts/subscription/"


def test_expired_alerts_do_not_matter_to_the_purge(settings):
    """A confirmed subscriber stays however old; only unconfirmed sign-ups are purged."""
    from civicportal.notifications.services import subscribers_purge_unconfirmed

    kept = anonymous("anna@example.org")
    Subscriber.objects.filter(pk=kept.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert subscribers_purge_unconfirmed() == 0
