"""Social media: Mastodon against a loopback server that behaves like Mastodon, and the
recording backend."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.db import transaction

from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.channels.social import social_broadcasts
from civicportal.notifications.models import SocialPost
from civicportal.notifications.rendering import delivery_key
from civicportal.notifications.services import deliveries_send, event_create
from tests.notifications.factories import CONTEXT
from tests.notifications.servers import Answer, Recorded


class FakeMastodon:
    """``POST /api/v1/statuses`` like Mastodon: bearer token, and an ``Idempotency-Key``
    repeated within the hour returns the status already made instead of a new one."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.ids = itertools.count(110000)
        self.by_key: dict[str, dict] = {}
        self.statuses: list[dict] = []
        self.fail_next: list[int] = []

    def __call__(self, request: Recorded) -> Answer:
        if request.path != "/api/v1/statuses":
            return Answer.json(404, {"error": "Record not found"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Answer.json(401, {"error": "The access token is invalid"})
        with self.lock:
            if self.fail_next:
                return Answer.json(self.fail_next.pop(0), {"error": "Service unavailable"})
            key = request.headers.get("idempotency-key")
            if key and key in self.by_key:
                return Answer.json(200, self.by_key[key])
            data = request.json()
            status_id = str(next(self.ids))
            status = {
                "id": status_id,
                "url": f"https://social.example/@council/{status_id}",
                "content": data["status"],
                "visibility": data["visibility"],
                "language": data.get("language"),
            }
            self.statuses.append(status)
            if key:
                self.by_key[key] = status
            return Answer.json(200, status)


@pytest.fixture
def mastodon(settings, http_sink):
    server = FakeMastodon(token="mastodon-token")
    http_sink.responder = server
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon"]
    settings.NOTIFICATIONS_MASTODON_URL = http_sink.url
    settings.NOTIFICATIONS_MASTODON_TOKEN = "mastodon-token"
    return server


def _broadcast(key="social"):
    with transaction.atomic():
        return event_create(
            kind="tests.status_changed",
            recipients=[],
            channels_for=lambda user: [],
            context=CONTEXT,
            idempotency_key=key,
            broadcasts=social_broadcasts(),
        )


def _ids(event) -> list[int]:
    return list(event.deliveries.values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_mastodon_gets_the_post_with_token_and_the_deliverys_idempotency_key(
    mastodon, http_sink, broker
):
    event = _broadcast()
    delivery = event.deliveries.select_related("event").get()
    assert (delivery.recipient_id, delivery.channel, delivery.address) == (
        None,
        "social",
        "mastodon",
    )

    assert deliveries_send(delivery_ids=_ids(event)).sent == 1

    [request] = http_sink.received()
    assert request.headers["idempotency-key"] == delivery_key(delivery)
    [status] = mastodon.statuses
    assert status["content"].startswith("Your idea More benches has a new status")
    assert status["content"].endswith("http://127.0.0.1:8000/ideas/1/")
    assert status["visibility"] == "public"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.message_id) == ("sent", status["url"])


@pytest.mark.django_db(transaction=True)
def test_mastodon_retry_after_503_reuses_the_key_so_one_status_is_made(mastodon, http_sink, broker):
    event = _broadcast(key="social-retry")
    mastodon.fail_next = [503]

    with pytest.raises(TransientSendError, match="503"):
        deliveries_send(delivery_ids=_ids(event))
    assert deliveries_send(delivery_ids=_ids(event)).sent == 1

    keys = {r.headers["idempotency-key"] for r in http_sink.received()}
    assert len(keys) == 1
    assert len(mastodon.statuses) == 1


@pytest.mark.django_db(transaction=True)
def test_mastodon_refusing_the_token_fails_the_post_with_the_reason(mastodon, settings, broker):
    settings.NOTIFICATIONS_MASTODON_TOKEN = "revoked"
    event = _broadcast(key="social-401")

    assert deliveries_send(delivery_ids=_ids(event)).failed == 1
    delivery = event.deliveries.get()
    assert "401" in delivery.last_error
    assert "access token is invalid" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_recording_backend_keeps_each_post_once(settings, broker):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["recording"]
    settings.NOTIFICATIONS_SOCIAL_RECORDING_ACCOUNT = "@riverside"
    event = _broadcast(key="recorded")
    ids = _ids(event)

    deliveries_send(delivery_ids=ids)
    deliveries_send(delivery_ids=ids)

    post = SocialPost.objects.get()
    assert post.account == "@riverside"
    assert post.url == "http://127.0.0.1:8000/ideas/1/"
    assert post.delivery_id == ids[0]
    assert event.deliveries.get().status == "sent"
