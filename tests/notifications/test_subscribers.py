"""Subscribers without an account: double opt-in by email, a texted code by SMS, one
subscription per address (also under concurrent sign-ups), limits per address and per
client, bad input, leaving with one click, their data, and the purge of unconfirmed ones.

The topic is the alerts one, the only topic that takes subscribers without an account.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from alerts.models import AlertSubscription
from alerts.services.anonymous import anonymous_choices
from civicportal.kernel.ratelimit import RateLimited
from civicportal.notifications.models import Delivery, Subscriber
from civicportal.notifications.services import (
    subscriber_code_verify,
    subscriber_confirm,
    subscriber_delete,
    subscriber_export,
    subscriber_start,
    subscribers_purge_unconfirmed,
)
from tests.alerts.factories import area

pytestmark = pytest.mark.django_db

TOPIC = "alerts.alert"
CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+/subscriptions/confirm/[^\s\"<>]+/")


def _choices(areas=(), severity=1, tests=False) -> dict:
    return anonymous_choices(areas=list(areas), min_severity=severity, receive_tests=tests)


def _start(address: str, *, client: str = "192.0.2.10", **choices):
    return subscriber_start(
        topic=TOPIC,
        address=address,
        choices=_choices(**choices),
        language="en",
        client_address=client,
    )


def _confirm_token(message) -> str:
    link = CONFIRM_LINK.search(message.body).group(0)
    return link.rstrip("/").rsplit("/", 1)[1]


# --- Email: double opt-in --------------------------------------------------------------------


def test_email_sign_up_sends_a_confirmation_and_nothing_counts_until_confirmed():
    where = area(name="Old Town")
    subscriber = _start("  Anna@Example.ORG ", areas=[where], severity=3)
    assert subscriber.address == "anna@example.org" and subscriber.channel == "email"
    assert not subscriber.is_confirmed
    assert not AlertSubscription.objects.exists()
    [message] = mail.outbox
    assert message.to == ["anna@example.org"]
    assert "Old Town" in message.body and "Severe and above" in message.body
    # The page that ends it at once, in the body and as RFC 8058 one-click headers.
    page = f"/s/{subscriber.token}/"
    assert page in message.body
    assert message.extra_headers["List-Unsubscribe"].endswith(f"{page}>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    confirmed = subscriber_confirm(signed=_confirm_token(message))
    assert confirmed.is_confirmed and confirmed.pending_choices == {}
    subscription = AlertSubscription.objects.get(subscriber=confirmed)
    assert subscription.user is None and subscription.min_severity == 3
    assert subscription.by_email and not subscription.by_sms
    assert list(subscription.areas.all()) == [where]


def test_a_second_sign_up_of_a_confirmed_address_changes_nothing_until_confirmed_again():
    old_town, harbour = area(name="Old Town"), area(name="Harbour")
    first = _start("anna@example.org", areas=[old_town])
    subscriber_confirm(signed=_confirm_token(mail.outbox[0]))
    again = _start("ANNA@example.org", areas=[harbour], severity=4)
    assert again.pk == first.pk
    # Someone else typing the address changes nothing: the owner is asked again.
    subscription = AlertSubscription.objects.get(subscriber=again)
    assert list(subscription.areas.all()) == [old_town] and subscription.min_severity == 1
    assert len(mail.outbox) == 2 and "Harbour" in mail.outbox[1].body
    subscriber_confirm(signed=_confirm_token(mail.outbox[1]))
    subscription.refresh_from_db()
    assert list(subscription.areas.all()) == [harbour] and subscription.min_severity == 4
    assert AlertSubscription.objects.count() == 1


def test_confirmation_links_refuse_tampering_and_age(settings):
    _start("anna@example.org")
    token = _confirm_token(mail.outbox[0])
    with pytest.raises(ValidationError) as tampered:
        subscriber_confirm(signed=token[:-2] + "xx")
    assert tampered.value.code == "invalid"
    settings.NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS = 0
    with pytest.raises(ValidationError) as old:
        subscriber_confirm(signed=token)
    assert old.value.code == "expired"
    assert not Subscriber.objects.get().is_confirmed


def test_a_failed_confirmation_email_stores_nothing(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(ValidationError) as error:
        _start("anna@example.org")
    assert error.value.code == "send_failed"
    assert not Subscriber.objects.exists()


# --- One subscription per address --------------------------------------------------------------


def test_the_database_holds_one_subscriber_per_address():
    Subscriber.objects.create(topic=TOPIC, channel="email", address="a@example.org", token="t1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscriber.objects.create(topic=TOPIC, channel="email", address="a@example.org", token="t2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscriber.objects.create(topic=TOPIC, channel="push", address="b@example.org", token="t3")


def test_a_subscription_is_a_residents_or_a_subscribers_never_both():
    from tests.accounts.factories import UserFactory

    subscriber = Subscriber.objects.create(
        topic=TOPIC, channel="email", address="a@example.org", token="t1"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertSubscription.objects.create(user=UserFactory(), subscriber=subscriber)
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertSubscription.objects.create()
    AlertSubscription.objects.create(subscriber=subscriber)
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertSubscription.objects.create(subscriber=subscriber)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_of_one_address_leave_one_subscriber(settings):
    settings.NOTIFICATIONS_SUBSCRIBE_ADDRESS_HOURLY = 0
    settings.NOTIFICATIONS_SUBSCRIBE_CLIENT_HOURLY = 0
    spellings = ["anna@example.org", "Anna@example.org", "ANNA@EXAMPLE.ORG", " anna@Example.org"]
    spellings *= 2
    barrier = threading.Barrier(len(spellings))
    failures: list[BaseException] = []
    ids: list[int] = []

    def sign_up(address: str) -> None:
        try:
            barrier.wait()
            ids.append(_start(address).pk)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=sign_up, args=(a,)) for a in spellings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert Subscriber.objects.count() == 1 and set(ids) == {Subscriber.objects.get().pk}
    assert len(mail.outbox) == len(spellings)  # each sign-up is answered alike


# --- Limits --------------------------------------------------------------------------------------


def test_sign_ups_are_limited_per_address_whatever_the_spelling(settings):
    settings.NOTIFICATIONS_SUBSCRIBE_ADDRESS_HOURLY = 2
    _start("anna@example.org", client="192.0.2.1")
    _start("ANNA@example.org", client="192.0.2.2")
    with pytest.raises(RateLimited) as limited:
        _start("Anna@Example.org", client="192.0.2.3")
    assert "Try again in" in limited.value.messages[0] and limited.value.retry_after > 0
    assert len(mail.outbox) == 2
    _start("bjarni@example.org", client="192.0.2.3")  # another address is not held back


def test_sign_ups_are_limited_per_client_address(settings):
    settings.NOTIFICATIONS_SUBSCRIBE_CLIENT_HOURLY = 3
    for n in range(3):
        _start(f"person{n}@example.org", client="198.51.100.7")
    with pytest.raises(RateLimited) as limited:
        _start("person3@example.org", client="198.51.100.7")
    assert "your network" in limited.value.messages[0]
    assert not Subscriber.objects.filter(address="person3@example.org").exists()
    _start("person3@example.org", client="198.51.100.8")


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["", "anna", "anna@", "@example.org", "anna@example", "+12", "phone me", "00", "+354 abc 1234",
     "a" * 250 + "@example.org", "anna@exa mple.org"],
)  # fmt: skip
def test_bad_addresses_are_refused_with_a_message_and_change_nothing(address):
    with pytest.raises(ValidationError) as error:
        _start(address)
    assert error.value.messages[0].startswith("Enter") or "too long" in error.value.messages[0]
    assert not Subscriber.objects.exists() and mail.outbox == []


@pytest.mark.parametrize(
    "choices",
    [{"areas": "all", "min_severity": 1, "receive_tests": False},
     {"areas": [], "min_severity": 9, "receive_tests": False},
     {"areas": [], "min_severity": "1", "receive_tests": False},
     {"areas": [1.5], "min_severity": 1, "receive_tests": False},
     {"areas": [], "min_severity": 1, "receive_tests": "yes"}],
)  # fmt: skip
def test_unreadable_choices_are_refused_before_anything_is_stored(choices):
    with pytest.raises(ValidationError):
        subscriber_start(topic=TOPIC, address="anna@example.org", choices=choices, language="en")
    assert not Subscriber.objects.exists() and mail.outbox == []


def test_a_topic_without_anonymous_subscriptions_is_refused():
    with pytest.raises(ValidationError):
        subscriber_start(
            topic="proposals.status_changed", address="a@example.org", choices={}, language="en"
        )
    assert not Subscriber.objects.exists()


def test_without_sms_a_phone_number_is_refused(settings):
    settings.NOTIFICATIONS_CHANNELS = {
        k: v for k, v in settings.NOTIFICATIONS_CHANNELS.items() if k != "sms"
    }
    with pytest.raises(ValidationError) as error:
        _start("+354 555 1234")
    assert "email address" in error.value.messages[0]


# --- SMS: a texted code ------------------------------------------------------------------------


def test_sms_sign_up_texts_a_code_and_confirms_with_it(sms_file):
    where = area(name="Harbour")
    subscriber = _start("00354 555-1234", areas=[where], severity=2)
    assert subscriber.channel == "sms" and subscriber.address == "+3545551234"
    [text] = sms_file()
    assert text["to"] == "+3545551234"
    code = re.search(r"\b(\d{6})\b", text["text"]).group(1)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError) as error:
        subscriber_code_verify(subscriber_id=subscriber.pk, code=wrong)
    assert error.value.code == "wrong"
    assert not AlertSubscription.objects.exists()
    subscriber_code_verify(subscriber_id=subscriber.pk, code=code)
    subscription = AlertSubscription.objects.get(subscriber=subscriber)
    assert subscription.by_sms and not subscription.by_email and subscription.min_severity == 2
    with pytest.raises(ValidationError):  # the code is used up
        subscriber_code_verify(subscriber_id=subscriber.pk, code=code)


def test_sms_sign_ups_count_against_the_phone_code_limits(settings, sms_file):
    settings.NOTIFICATIONS_PHONE_CODE_RESEND_AFTER = 0
    settings.NOTIFICATIONS_PHONE_CODE_NUMBER_HOURLY = 2
    _start("+3545551234", client="192.0.2.1")
    _start("+3545551234", client="192.0.2.2")
    with pytest.raises(RateLimited):
        _start("+3545551234", client="192.0.2.3")
    assert len(sms_file()) == 2


def test_sms_codes_spend_the_daily_budget(settings, sms_file):
    settings.NOTIFICATIONS_PHONE_CODE_DAILY_BUDGET = 1
    _start("+3545551234")
    with pytest.raises(RateLimited) as spent:
        _start("+3545559876")
    assert spent.value.code == "budget_spent"
    assert len(sms_file()) == 1


def test_a_new_sign_up_within_a_minute_keeps_the_first_code(sms_file):
    first = _start("+3545551234")
    _start("+3545551234", severity=4)
    assert len(sms_file()) == 1
    code = re.search(r"\b(\d{6})\b", sms_file()[0]["text"]).group(1)
    subscriber_code_verify(subscriber_id=first.pk, code=code)
    assert AlertSubscription.objects.get(subscriber=first).min_severity == 4


def test_wrong_codes_run_out(settings, sms_file):
    settings.NOTIFICATIONS_PHONE_CODE_ATTEMPTS = 2
    subscriber = _start("+3545551234")
    code = re.search(r"\b(\d{6})\b", sms_file()[0]["text"]).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(2):
        with pytest.raises(ValidationError):
            subscriber_code_verify(subscriber_id=subscriber.pk, code=wrong)
    with pytest.raises(ValidationError) as error:
        subscriber_code_verify(subscriber_id=subscriber.pk, code=code)
    assert error.value.code == "too_many"
    assert not Subscriber.objects.get().is_confirmed


# --- Leaving, their data, the purge -------------------------------------------------------------


def _confirmed(address="anna@example.org", **choices) -> Subscriber:
    _start(address, **choices)
    return subscriber_confirm(signed=_confirm_token(mail.outbox[-1]))


def test_leaving_deletes_the_address_its_subscription_and_its_deliveries():
    from tests.notifications.factories import EventFactory

    subscriber = _confirmed()
    Delivery.objects.create(
        event=EventFactory(), subscriber=subscriber, channel="email", address=subscriber.address
    )
    assert subscriber_delete(token=subscriber.token)
    assert not Subscriber.objects.exists() and not AlertSubscription.objects.exists()
    assert not Delivery.objects.filter(address="anna@example.org").exists()
    assert not subscriber_delete(token=subscriber.token)


def test_the_export_holds_everything_kept_about_the_address():
    where = area(name="Old Town")
    subscriber = _confirmed(areas=[where], severity=3)
    data = subscriber_export(subscriber=subscriber)
    assert data["address"] == "anna@example.org" and data["channel"] == "email"
    assert data["confirmed_at"] and data["messages"] == []
    assert (
        "Where: Old Town" in data["choices"] and "Which alerts: Severe and above" in data["choices"]
    )


def test_unconfirmed_sign_ups_are_purged_after_the_confirmation_days(settings):
    settings.NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS = 3
    waiting = _start("waiting@example.org")
    confirmed = _confirmed("kept@example.org")
    Subscriber.objects.filter(pk__in=[waiting.pk, confirmed.pk]).update(
        confirmation_sent_at=timezone.now() - timedelta(days=4)
    )
    fresh = _start("fresh@example.org")
    assert subscribers_purge_unconfirmed() == 1
    assert set(Subscriber.objects.values_list("pk", flat=True)) == {confirmed.pk, fresh.pk}
    assert subscribers_purge_unconfirmed() == 0


# --- Pages ---------------------------------------------------------------------------------


def test_the_confirmation_page_asks_first_and_a_get_confirms_nothing(client):
    where = area(name="Old Town")
    _start("anna@example.org", areas=[where])
    path = CONFIRM_LINK.search(mail.outbox[0].body).group(0).split("://", 1)[1]
    path = path[path.index("/") :]
    page = client.get(path)
    assert page.status_code == 200 and "Where: Old Town" in page.content.decode()
    assert not Subscriber.objects.get().is_confirmed
    response = client.post(path)
    subscriber = Subscriber.objects.get()
    assert subscriber.is_confirmed
    assert response.status_code == 302 and response["Location"] == f"/s/{subscriber.token}/"
    assert "Where: Old Town" in client.get(response["Location"]).content.decode()


def test_bad_links_answer_clearly_and_never_500(client):
    assert client.get("/subscriptions/confirm/nonsense/").status_code == 400
    assert client.post("/subscriptions/confirm/nonsense/").status_code == 400
    assert client.get("/s/nonsense/").status_code == 404
    assert client.post("/s/nonsense/").status_code == 404
    assert client.get("/s/nonsense/data.json").status_code == 404
    assert client.get("/s/" + "x" * 300 + "/").status_code == 404
    one_click = client.post("/s/nonsense/", {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200  # already gone is gone
    assert client.get("/subscriptions/code/").status_code == 400
    assert client.post("/subscriptions/code/", {"code": "123456"}).status_code == 400


def test_one_click_unsubscribe_without_cookies_deletes_the_subscriber(client):
    from django.test import Client

    subscriber = _confirmed()
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(f"/s/{subscriber.token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and response.content == b"Unsubscribed."
    assert not Subscriber.objects.exists() and not AlertSubscription.objects.exists()


def test_the_subscriber_page_ends_the_subscription_with_its_button(client):
    subscriber = _confirmed()
    page = client.get(f"/s/{subscriber.token}/").content.decode()
    assert "anna@example.org" in page and "Unsubscribe and delete my address" in page
    done = client.post(f"/s/{subscriber.token}/")
    assert done.status_code == 200 and "We deleted your address" in done.content.decode()
    assert not Subscriber.objects.exists()


def test_the_data_download_is_json_for_the_token_only(client):
    subscriber = _confirmed()
    response = client.get(f"/s/{subscriber.token}/data.json")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response.json()["address"] == "anna@example.org"
