"""A push endpoint belongs to the account that subscribed it.

A browser profile has one push endpoint. Sending that endpoint again from another account
(whether with other keys, by someone who learnt the address, or with the same keys, by
the next person at a shared computer) must not move the subscription, and with it the
first person's notifications, to the second account: it is refused with a plain message
and nothing changes. The first account keeps getting its pushes until it turns them off
(or the browser drops the subscription, which the push service then reports as gone).
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client

from civicportal.notifications.models import PushSubscription
from civicportal.notifications.services import (
    deliveries_send,
    event_create,
    push_subscription_save,
)
from tests.notifications.conftest import broker, http_sink  # noqa: F401  (fixtures)
from tests.notifications.factories import CONTEXT, users_create
from tests.notifications.test_push import Browser, b64url, vapid  # noqa: F401  (fixture)

SUBSCRIBE = "/profile/notifications/push/subscribe/"


def _subscribe(client: Client, endpoint: str, browser: Browser):
    body = {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)}}
    return client.post(SUBSCRIBE, json.dumps(body), content_type="application/json")


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_another_account_cannot_take_over_a_subscribed_endpoint_with_its_own_keys(vapid):  # noqa: F811
    owner, intruder = users_create(2)
    endpoint = "https://push.example.net/send/owner-browser"
    owners_browser, other_keys = Browser(), Browser()
    assert _subscribe(_signed_in(owner), endpoint, owners_browser).status_code == 201

    response = _subscribe(_signed_in(intruder), endpoint, other_keys)

    assert response.status_code == 409
    assert "another account" in response.json()["error"]
    subscription = PushSubscription.objects.get(endpoint=endpoint)
    assert subscription.user == owner
    assert (subscription.p256dh, subscription.auth) == (
        owners_browser.p256dh,
        b64url(owners_browser.auth),
    )
    assert not PushSubscription.objects.filter(user=intruder).exists()


@pytest.mark.django_db
def test_the_next_person_at_a_shared_browser_does_not_take_over_its_subscription(vapid):  # noqa: F811
    """Same endpoint, same keys: the browser is the same, but the first person's
    notifications stay theirs; the second is told what to do."""
    first, second = users_create(2)
    endpoint = "https://push.example.net/send/family-laptop"
    browser = Browser()
    assert _subscribe(_signed_in(first), endpoint, browser).status_code == 201

    response = _subscribe(_signed_in(second), endpoint, browser)

    assert response.status_code == 409
    assert "another account" in response.json()["error"]
    assert PushSubscription.objects.get(endpoint=endpoint).user == first


@pytest.mark.django_db
def test_the_owner_refreshes_their_own_endpoint_with_new_keys(vapid):  # noqa: F811
    owner = users_create(1)[0]
    endpoint = "https://push.example.net/send/rotating"
    client = _signed_in(owner)
    assert _subscribe(client, endpoint, Browser()).status_code == 201
    rotated = Browser()

    response = _subscribe(client, endpoint, rotated)

    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.p256dh) == (owner, rotated.p256dh)


@pytest.mark.django_db
def test_push_subscription_save_refuses_an_endpoint_of_another_account(vapid):  # noqa: F811
    owner, other = users_create(2)
    endpoint = "https://push.example.net/send/service-level"
    browser = Browser()
    push_subscription_save(
        user=owner, endpoint=endpoint, p256dh=browser.p256dh, auth=b64url(browser.auth)
    )
    with pytest.raises(ValidationError) as error:
        push_subscription_save(
            user=other, endpoint=endpoint, p256dh=browser.p256dh, auth=b64url(browser.auth)
        )
    assert error.value.code == "taken"
    assert PushSubscription.objects.get().user == owner


@pytest.mark.django_db(transaction=True)
def test_after_a_refused_takeover_the_owners_alerts_still_reach_their_browser_only(
    vapid,  # noqa: F811
    http_sink,  # noqa: F811
    broker,  # noqa: F811
):
    owner, intruder = users_create(2)
    endpoint = f"{http_sink.url}/push/owner"
    owners_browser = Browser()
    assert _subscribe(_signed_in(owner), endpoint, owners_browser).status_code == 201
    assert _subscribe(_signed_in(intruder), endpoint, Browser()).status_code == 409

    with transaction.atomic():
        to_owner = event_create(
            kind="tests.status_changed",
            recipients=[owner],
            channels_for=lambda user: ["push"],
            context=CONTEXT,
            idempotency_key="owner",
        )
        to_intruder = event_create(
            kind="tests.status_changed",
            recipients=[intruder],
            channels_for=lambda user: ["push"],
            context=CONTEXT,
            idempotency_key="intruder",
        )
    ids = [
        *to_owner.deliveries.values_list("id", flat=True),
        *to_intruder.deliveries.values_list("id", flat=True),
    ]
    deliveries_send(delivery_ids=ids)

    [request] = http_sink.received()  # one push: the owner's, none for the intruder
    assert request.path == "/push/owner"
    assert owners_browser.decrypt(request.body)["title"]  # the owner's keys decrypt it
    assert to_owner.deliveries.get().status == "sent"
    assert not to_intruder.deliveries.filter(status="sent").exists()
