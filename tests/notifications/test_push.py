"""Web push against a real HTTP endpoint on loopback, with real VAPID and browser keys."""

from __future__ import annotations

import base64
import json
import os

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from py_vapid import Vapid02

from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.channels.push import push_topic
from civicportal.notifications.management.commands.vapid_keys import vapid_keys_generate
from civicportal.notifications.models import PushSubscription
from civicportal.notifications.services import deliveries_send, event_create
from tests.notifications.conftest import wait_until
from tests.notifications.factories import CONTEXT, users_create
from tests.notifications.servers import Answer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A browser's push keys: what PushManager.subscribe() makes, and what decrypts."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def subscribe(self, user, endpoint: str) -> PushSubscription:
        return PushSubscription.objects.create(
            user=user, endpoint=endpoint, p256dh=self.p256dh, auth=b64url(self.auth)
        )

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


PUSH_HOSTS = ["127.0.0.1", "push.example.net", "push.example.test"]


@pytest.fixture
def vapid(settings):
    public, private = vapid_keys_generate()
    settings.NOTIFICATIONS_VAPID_PUBLIC_KEY = public
    settings.NOTIFICATIONS_VAPID_PRIVATE_KEY = private
    settings.NOTIFICATIONS_VAPID_SUBJECT = "mailto:it@council.example.org"
    settings.NOTIFICATIONS_PUSH_ALLOW_HTTP = True
    # The local stand-in (127.0.0.1) and the made-up services below, instead of the real ones.
    settings.NOTIFICATIONS_PUSH_HOSTS = PUSH_HOSTS
    settings.NOTIFICATIONS_PUSH_TTL = 3600
    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "push": "civicportal.notifications.channels.push.PushChannel",
    }
    return {"public": public, "private": private}


def _push_event(users, *, key="push", urgent=False):
    with transaction.atomic():
        return event_create(
            kind="tests.status_changed",
            recipients=users,
            channels_for=lambda user: ["push"],
            context=CONTEXT,
            idempotency_key=key,
            urgent=urgent,
        )


def _ids(event) -> list[int]:
    return list(event.deliveries.values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_push_is_encrypted_signed_and_carries_ttl_urgency_and_topic(vapid, http_sink, broker):
    user = users_create(1)[0]
    browser = Browser()
    subscription = browser.subscribe(user, f"{http_sink.url}/push/abc")
    event = _push_event([user], urgent=True)

    summary = deliveries_send(delivery_ids=_ids(event))

    assert summary.sent == 1
    [request] = http_sink.received()
    delivery = event.deliveries.select_related("event").get()
    assert request.path == "/push/abc"
    assert request.headers["ttl"] == "3600"
    assert request.headers["urgency"] == "high"
    assert request.headers["topic"] == push_topic(delivery)
    assert len(request.headers["topic"]) <= 32
    assert request.headers["content-encoding"] == "aes128gcm"
    # VAPID (RFC 8292): a JWT for this push service's origin, signed by our key.
    scheme, _sep, params = request.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.split("=", 1) for part in params.split(","))
    assert fields["k"] == vapid["public"]
    header, encoded_claims, signature = fields["t"].split(".")
    claims = json.loads(b64url_decode(encoded_claims))
    assert claims["aud"] == http_sink.url
    assert claims["sub"] == "mailto:it@council.example.org"
    assert Vapid02.from_string(vapid["private"]).verify_token(
        f"{header}.{encoded_claims}".encode(), signature
    )
    # Only the browser's keys decrypt the payload.
    payload = browser.decrypt(request.body)
    assert payload["title"] == "Your idea More benches has a new status"
    assert payload["url"] == "http://127.0.0.1:8000/ideas/1/"
    assert payload["tag"] == push_topic(delivery)
    assert delivery.status == "sent"
    subscription.refresh_from_db()
    assert subscription.last_success_at is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [404, 410])
def test_push_gone_deletes_the_subscription_and_fails_the_delivery(
    vapid, http_sink, broker, status
):
    user = users_create(1)[0]
    Browser().subscribe(user, f"{http_sink.url}/push/gone")
    event = _push_event([user])
    http_sink.answer_next(Answer(status))

    summary = deliveries_send(delivery_ids=_ids(event))

    assert (summary.sent, summary.failed) == (0, 1)
    assert not PushSubscription.objects.filter(user=user).exists()
    delivery = event.deliveries.get()
    assert delivery.status == "failed"
    assert f"answered {status}: subscription expired" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_push_429_is_retried_never_dropped_and_the_repeat_has_the_same_topic(
    vapid, http_sink, broker
):
    user = users_create(1)[0]
    Browser().subscribe(user, f"{http_sink.url}/push/busy")
    event = _push_event([user], key="push-busy")
    http_sink.answer_next(Answer(429, headers=(("Retry-After", "1"),)))

    with pytest.raises(TransientSendError, match="429"):
        deliveries_send(delivery_ids=_ids(event))

    delivery = event.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert PushSubscription.objects.filter(user=user).exists()

    summary = deliveries_send(delivery_ids=_ids(event))  # the task's retry

    assert summary.sent == 1
    first, second = http_sink.received()
    assert first.headers["topic"] == second.headers["topic"]
    assert event.deliveries.get().status == "sent"


@pytest.mark.django_db
def test_users_without_a_subscription_get_no_push_delivery(vapid):
    with_browser, without = users_create(2)
    Browser().subscribe(with_browser, "https://push.example.net/a")
    event = event_create(
        kind="tests.status_changed",
        recipients=[with_browser, without],
        channels_for=lambda user: ["push"],
        context=CONTEXT,
        idempotency_key="who-has-push",
    )
    assert list(event.deliveries.values_list("recipient_id", flat=True)) == [with_browser.pk]


@pytest.mark.slow
def test_worker_pushes_to_the_loopback_endpoint_and_removes_a_gone_subscription(
    settings, vapid, http_sink, celery_worker
):
    worker = celery_worker(
        NOTIFICATIONS_VAPID_PUBLIC_KEY=vapid["public"],
        NOTIFICATIONS_VAPID_PRIVATE_KEY=vapid["private"],
        NOTIFICATIONS_PUSH_ALLOW_HTTP="1",
        NOTIFICATIONS_PUSH_HOSTS=",".join(PUSH_HOSTS),
    )
    kept_user, gone_user = users_create(2)
    browser = Browser()
    browser.subscribe(kept_user, f"{http_sink.url}/push/kept")
    Browser().subscribe(gone_user, f"{http_sink.url}/push/gone")
    http_sink.responder = lambda request: Answer(410 if request.path.endswith("gone") else 201)

    event = _push_event([kept_user, gone_user], key="worker-push")

    wait_until(
        lambda: not event.deliveries.filter(status__in=["pending", "sending"]).exists(),
        timeout=60,
        what=f"both push deliveries to finish\n{worker.output()}",
    )
    by_user = {d.recipient_id: d for d in event.deliveries.all()}
    assert by_user[kept_user.pk].status == "sent"
    assert by_user[gone_user.pk].status == "failed"
    assert "410" in by_user[gone_user.pk].last_error
    assert list(PushSubscription.objects.values_list("user_id", flat=True)) == [kept_user.pk]
    kept = [r for r in http_sink.received() if r.path.endswith("kept")]
    assert len(kept) == 1
    assert browser.decrypt(kept[0].body)["title"].startswith("Your idea")


# --- Subscribe / unsubscribe endpoints, service worker, keys command ----------------------


def _subscription_json(endpoint: str, browser: Browser) -> str:
    return json.dumps(
        {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)}}
    )


@pytest.mark.django_db
def test_subscribe_endpoint_stores_the_browser_and_needs_csrf_and_login(vapid):
    user = users_create(1)[0]
    browser = Browser()
    body = _subscription_json("https://push.example.net/sub/1", browser)
    url = "/profile/notifications/push/subscribe/"

    assert Client().post(url, body, content_type="application/json").status_code == 401
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(url, body, content_type="application/json").status_code == 403
    assert not PushSubscription.objects.exists()

    strict.get("/profile/notifications/")  # sets the CSRF cookie, as the page does
    token = strict.cookies["csrftoken"].value
    response = strict.post(
        url,
        body,
        content_type="application/json",
        headers={"X-CSRFToken": token, "User-Agent": "Firefox 140"},
    )

    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.user_agent) == (user, "Firefox 140")

    response = strict.post(
        "/profile/notifications/push/unsubscribe/",
        json.dumps({"endpoint": "https://push.example.net/sub/1"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.json() == {"deleted": 1}
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "keys", "message"),
    [
        ("ftp://push.example.net/x", None, "secure web address"),
        ("https://push.example.net/x", {"p256dh": "AAAA", "auth": "x"}, "P-256"),
    ],
)
def test_subscribe_refuses_bad_input_with_a_clear_message(
    client, settings, endpoint, keys, message
):
    settings.NOTIFICATIONS_PUSH_ALLOW_HTTP = False
    settings.NOTIFICATIONS_PUSH_HOSTS = PUSH_HOSTS
    client.force_login(users_create(1)[0])
    browser = Browser()
    keys = keys or {"p256dh": browser.p256dh, "auth": b64url(browser.auth)}
    response = client.post(
        "/profile/notifications/push/subscribe/",
        json.dumps({"endpoint": endpoint, "keys": keys}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_a_subscription_can_be_removed_with_a_plain_form(client):
    user, other = users_create(2)
    mine = Browser().subscribe(user, "https://push.example.net/mine")
    theirs = Browser().subscribe(other, "https://push.example.net/theirs")
    client.force_login(user)

    client.post("/profile/notifications/push/unsubscribe/", {"subscription": theirs.pk})
    response = client.post("/profile/notifications/push/unsubscribe/", {"subscription": mine.pk})

    assert response.status_code == 302
    assert list(PushSubscription.objects.all()) == [theirs]


@pytest.mark.django_db
def test_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert "showNotification" in body
    assert "notificationclick" in body


def test_vapid_keys_command_prints_a_usable_pair(capsys):
    call_command("vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    key = Vapid02.from_string(lines["NOTIFICATIONS_VAPID_PRIVATE_KEY"])
    public = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert b64url(public) == lines["NOTIFICATIONS_VAPID_PUBLIC_KEY"]


@pytest.mark.django_db(transaction=True)
def test_the_environments_proxy_settings_are_honoured_per_push_service(
    vapid, http_sink, broker, monkeypatch
):
    """HTTP_PROXY/NO_PROXY apply as requests would apply them, though read once a batch."""
    proxied, direct = users_create(2)
    # Only reachable through the proxy (the loopback sink stands in for it).
    Browser().subscribe(proxied, "http://push.example.test/push/through-proxy")
    Browser().subscribe(direct, f"{http_sink.url}/push/direct")
    monkeypatch.setenv("HTTP_PROXY", http_sink.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    event = _push_event([proxied, direct])

    summary = deliveries_send(delivery_ids=_ids(event))

    assert summary.sent == 2
    assert sorted(request.path for request in http_sink.received()) == [
        "/push/direct",
        "http://push.example.test/push/through-proxy",  # the absolute form a proxy gets
    ]
    assert PushSubscription.objects.filter(last_success_at__isnull=False).count() == 2
