"""Preferences per topic and channel, digests, and one-click unsubscribe."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import User
from civicportal.notifications.models import DigestItem, Event, NotificationPreference
from civicportal.notifications.services import (
    channels_for_recipients,
    deliveries_send,
    digests_send,
    preferences_update,
    topic_event_create,
)
from civicportal.notifications.tokens import unsubscribe_token_make, unsubscribe_url
from civicportal.notifications.topics import Topic, topic_register, topic_unregister
from tests.notifications.factories import CONTEXT, users_create

IDEAS = "tests.ideas"
ALERTS = "tests.alerts"


@pytest.fixture(autouse=True)
def topics():
    topic_register(
        Topic(
            key=IDEAS,
            label=_("Ideas I follow"),
            description=_("Status changes of ideas."),
            default_channels=("email", "inbox"),
        )
    )
    topic_register(
        Topic(key=ALERTS, label=_("Alerts"), default_channels=("email", "sms"), urgent=True)
    )
    yield
    topic_unregister(IDEAS)
    topic_unregister(ALERTS)


def _notify(topic, users, key, **kwargs):
    with transaction.atomic():
        return topic_event_create(
            topic=topic, recipients=users, context=CONTEXT, idempotency_key=key, **kwargs
        )


def _plain_text(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text/plain part")


# --- Preferences ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_channels_for_recipients_honours_defaults_opt_outs_and_digests(
    django_assert_num_queries,
):
    default, no_email, digest = users_create(3)
    preferences_update(user=no_email, choices={(IDEAS, "email"): (False, "immediate")})
    preferences_update(user=digest, choices={(IDEAS, "email"): (True, "daily")})

    with django_assert_num_queries(1):
        plan = channels_for_recipients(IDEAS, [default, no_email, digest])

    assert plan.channels_for(default) == ["email", "inbox"]
    assert plan.channels_for(no_email) == ["inbox"]
    assert plan.channels_for(digest) == ["inbox"]
    assert plan.digest_for(digest) == "daily"
    assert plan.digest_for(default) is None


@pytest.mark.django_db
def test_channels_for_recipients_takes_a_queryset_in_one_query(django_assert_num_queries):
    users = users_create(30)
    for user in users[:10]:
        preferences_update(user=user, choices={(IDEAS, "inbox"): (False, "immediate")})
    with django_assert_num_queries(1):
        plan = channels_for_recipients(IDEAS, User.objects.filter(pk__in=[u.pk for u in users]))
    assert [plan.channels_for(u) for u in users[9:11]] == [["email"], ["email", "inbox"]]


@pytest.mark.django_db
def test_urgent_topics_skip_digests_but_respect_opt_outs(django_capture_on_commit_callbacks):
    keeps, opted_out = users_create(2)
    NotificationPreference.objects.create(user=keeps, topic=ALERTS, channel="email")
    NotificationPreference.objects.create(
        user=opted_out, topic=ALERTS, channel="email", enabled=False
    )
    with django_capture_on_commit_callbacks():
        event = topic_event_create(
            topic=ALERTS, recipients=[keeps, opted_out], context=CONTEXT, idempotency_key="a1"
        )
    assert event.urgent
    assert list(event.deliveries.values_list("recipient_id", "channel")) == [(keeps.pk, "email")]
    assert not DigestItem.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ((ALERTS, "email", "daily"), "digest"),
        ((IDEAS, "inbox", "weekly"), "digest"),
        (("tests.unknown", "email", "immediate"), "no notification topic"),
        ((IDEAS, "social", "immediate"), "cannot be sent"),
    ],
)
def test_preferences_update_refuses_what_cannot_be(choice, message):
    user = users_create(1)[0]
    topic, channel, frequency = choice
    with pytest.raises(ValidationError, match=message):
        preferences_update(user=user, choices={(topic, channel): (True, frequency)})
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_preferences_page_saves_the_table_without_javascript(client):
    user = users_create(1)[0]
    client.force_login(user)

    page = client.get("/profile/notifications/").content.decode()
    assert "Ideas I follow" in page
    assert 'for="id_tests.ideas__email"' in page  # every checkbox has a label
    assert 'name="tests.alerts__frequency"' not in page  # urgent: never a digest

    response = client.post(
        "/profile/notifications/",
        {"tests.ideas__inbox": "on", "tests.ideas__frequency": "weekly", "tests.alerts__sms": "on"},
    )

    assert response.status_code == 302
    stored = set(
        NotificationPreference.objects.filter(user=user).values_list(
            "topic", "channel", "enabled", "frequency"
        )
    )
    assert (IDEAS, "email", False, "weekly") in stored
    assert (IDEAS, "inbox", True, "immediate") in stored
    assert (ALERTS, "email", False, "immediate") in stored
    assert (ALERTS, "sms", True, "immediate") in stored


@pytest.mark.django_db
def test_preferences_page_needs_login_and_is_linked_from_the_profile(client):
    assert client.get("/profile/notifications/").status_code == 302
    client.force_login(users_create(1)[0])
    assert "/profile/notifications/" in client.get("/profile/").content.decode()


# --- Digests --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_digest_gathers_a_users_events_into_one_email_once_per_period(
    smtp_settings, smtp_sink, broker
):
    digest_user, immediate_user = users_create(2)
    preferences_update(user=digest_user, choices={(IDEAS, "email"): (True, "daily")})
    first = _notify(IDEAS, [digest_user, immediate_user], "idea-1")
    second = _notify(IDEAS, [digest_user], "idea-2")

    assert not first.deliveries.filter(recipient=digest_user, channel="email").exists()
    assert first.deliveries.filter(recipient=digest_user, channel="inbox").exists()
    assert DigestItem.objects.filter(user=digest_user).count() == 2

    assert digests_send(frequency="daily") == 1
    assert digests_send(frequency="daily") == 0  # run twice: sent once

    [digest] = Event.objects.filter(kind="notifications.digest")
    assert sorted(digest.context["items"]) == sorted([first.pk, second.pk])
    assert digest.idempotency_key.endswith(f":{digest_user.pk}")
    assert not DigestItem.objects.filter(digest_event__isnull=True).exists()
    [delivery] = digest.deliveries.all()
    assert (delivery.recipient, delivery.channel) == (digest_user, "email")

    deliveries_send(delivery_ids=[delivery.pk])
    [mail] = [m for m in smtp_sink.messages() if m.to == (digest_user.email,)]
    assert mail.message["Subject"] == "Your daily digest from CivicPortal"
    text = _plain_text(mail.message)
    assert text.count("Your idea More benches has a new status") == 2
    assert "/notifications/unsubscribe/" in mail.message["List-Unsubscribe"]
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.django_db(transaction=True)
def test_items_arriving_after_the_periods_digest_wait_for_the_next_period(broker):
    user = users_create(1)[0]
    preferences_update(user=user, choices={(IDEAS, "email"): (True, "weekly")})
    _notify(IDEAS, [user], "w-1")
    monday = timezone.now()
    assert digests_send(frequency="weekly", now=monday) == 1

    late = _notify(IDEAS, [user], "w-2")
    assert digests_send(frequency="weekly", now=timezone.now()) == 0
    assert DigestItem.objects.get(event=late).digest_event is None

    assert digests_send(frequency="weekly", now=monday + timedelta(days=7)) == 1
    assert Event.objects.filter(kind="notifications.digest").count() == 2
    assert DigestItem.objects.get(event=late).digest_event is not None


@pytest.mark.django_db(transaction=True)
def test_urgent_events_bypass_the_digest(broker):
    user = users_create(1)[0]
    preferences_update(user=user, choices={(IDEAS, "email"): (True, "daily")})
    event = _notify(IDEAS, [user], "urgent-idea", urgent=True)
    assert event.deliveries.filter(channel="email").count() == 1
    assert not DigestItem.objects.exists()


# --- One-click unsubscribe ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_every_email_carries_a_one_click_unsubscribe_link(smtp_settings, smtp_sink, broker):
    user = users_create(1)[0]
    event = _notify(IDEAS, [user], "mail-1")
    deliveries_send(delivery_ids=list(event.deliveries.values_list("id", flat=True)))

    [mail] = smtp_sink.messages()
    header = "".join(mail.message["List-Unsubscribe"].split())  # unfold the long header
    assert header.startswith("<http://127.0.0.1:8000/notifications/unsubscribe/")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = header.strip("<>")
    assert link in _plain_text(mail.message)

    # A mail client's one-click POST: no cookie, no CSRF token, no login.
    response = Client(enforce_csrf_checks=True).post(
        link.removeprefix("http://127.0.0.1:8000"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    preference = NotificationPreference.objects.get(user=user, topic=IDEAS, channel="email")
    assert not preference.enabled


@pytest.mark.django_db
def test_unsubscribe_page_asks_first_then_switches_the_preference_off(client):
    user = users_create(1)[0]
    path = unsubscribe_url(user_id=user.pk, topic=IDEAS, channel="email").removeprefix(
        "http://127.0.0.1:8000"
    )

    response = client.get(path)
    assert response.status_code == 200
    assert "Stop getting Ideas I follow by Email?" in response.content.decode()
    assert not NotificationPreference.objects.exists()  # GET changes nothing

    response = client.post(path)
    assert response.status_code == 200
    assert "you will no longer get Ideas I follow by Email" in response.content.decode()
    assert not NotificationPreference.objects.get(user=user).enabled


@pytest.mark.django_db
def test_a_tampered_unsubscribe_token_is_refused_and_changes_nothing(client):
    user, other = users_create(2)
    token = unsubscribe_token_make(user_id=user.pk, topic=IDEAS, channel="email")
    _payload, _sep, rest = token.partition(":")
    forged = unsubscribe_token_make(user_id=other.pk, topic=IDEAS, channel="email")
    tampered = forged.partition(":")[0] + ":" + rest  # other's payload, user's signature

    for bad in (tampered, token[:-2] + "xx", "nonsense"):
        response = client.post(f"/notifications/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert not NotificationPreference.objects.exists()


class _PastSigner(signing.TimestampSigner):
    """Signs as if it were 400 days ago (a real signature, just an old timestamp)."""

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 400 * 86400)


@pytest.mark.django_db
def test_an_expired_unsubscribe_token_says_so_and_changes_nothing(client):
    user = users_create(1)[0]
    token = _PastSigner(salt="civicportal.notifications.unsubscribe").sign_object(
        {"u": user.pk, "t": IDEAS, "c": "email"}, compress=True
    )
    response = client.get(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    response = client.post(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_unsubscribing_from_the_digest_stops_digesting(client, broker):
    user = users_create(1)[0]
    preferences_update(user=user, choices={(IDEAS, "email"): (True, "daily")})
    _notify(IDEAS, [user], "d-1")
    path = unsubscribe_url(user_id=user.pk, topic="notifications.digest", channel="email")

    client.post(path.removeprefix("http://127.0.0.1:8000"))

    preference = NotificationPreference.objects.get(user=user, topic=IDEAS, channel="email")
    assert (preference.enabled, preference.frequency) == (False, "immediate")
    assert not DigestItem.objects.exists()
