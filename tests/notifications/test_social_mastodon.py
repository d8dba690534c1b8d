"""Mastodon against a loopback server that speaks its statuses API (tests/fakes): the post,
its record, the answers 401, 429 with Retry-After and 5xx, a reply on a thread, and a
worker killed while the post was on its way."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.models import SocialPost
from civicportal.notifications.rendering import delivery_key
from civicportal.notifications.services import deliveries_send, deliveries_sweep
from tests.fakes.social_portal import (
    broadcast,
    delivery_ids,
    kill_process_group,
    mastodon_server,
    social_settings,
    worker_settings,
)
from tests.notifications.conftest import wait_until

# Fixtures of the fakes, used here by name.
FAKE_FIXTURES = (
    mastodon_server,
    social_settings,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mastodon(mastodon_server, settings, broker):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon"]
    return mastodon_server


def test_mastodon_post_is_published_once_and_recorded_with_its_address(mastodon):
    event = broadcast("mastodon-ok")
    [delivery_id] = delivery_ids(event)

    assert deliveries_send(delivery_ids=[delivery_id]).sent == 1

    [post] = mastodon.posts
    assert post["text"].startswith("Your idea More benches has a new status")
    assert post["text"].endswith("\n\nhttp://127.0.0.1:8000/ideas/1/")
    assert post["in_reply_to_id"] is None
    assert post["idempotency_key"] == delivery_key(event.deliveries.get())
    row = SocialPost.objects.get()
    assert (row.network, row.reference, row.post_url) == ("mastodon", post["id"], post["url"])
    assert (row.delivery_id, row.text, row.url, row.language) == (
        delivery_id,
        post["text"],
        "http://127.0.0.1:8000/ideas/1/",
        "en",
    )
    delivery = event.deliveries.get()
    assert (delivery.status, delivery.message_id) == ("sent", post["url"])


def test_mastodon_posts_a_composed_text_verbatim(mastodon):
    text = "Tonight: the riverside path closes at 8 pm. Details: https://portal.example/a/1"
    event = broadcast("mastodon-composed", social={"texts": {"mastodon": text}})

    deliveries_send(delivery_ids=delivery_ids(event))

    assert [post["text"] for post in mastodon.posts] == [text]


def test_mastodon_refuses_a_composed_text_over_its_limit_without_asking(mastodon):
    event = broadcast("mastodon-too-long", social={"texts": {"mastodon": "x" * 501}})

    assert deliveries_send(delivery_ids=delivery_ids(event)).failed == 1

    delivery = event.deliveries.get()
    assert "501 characters" in delivery.last_error and "at most 500" in delivery.last_error
    assert mastodon.requests() == []
    assert not SocialPost.objects.exists()


def test_mastodon_401_fails_the_post_for_good(mastodon, settings):
    settings.NOTIFICATIONS_MASTODON_TOKEN = "revoked"
    event = broadcast("mastodon-401")

    summary = deliveries_send(delivery_ids=delivery_ids(event))

    assert (summary.failed, summary.released) == (1, 0)
    delivery = event.deliveries.get()
    assert delivery.status == "failed"
    assert "401" in delivery.last_error and "access token is invalid" in delivery.last_error
    assert mastodon.posts == [] and not SocialPost.objects.exists()


def test_mastodon_429_pauses_mastodon_alone_and_the_retry_posts_once(mastodon):
    mastodon.answer_next(429, error="Too many requests", retry_after=1)
    event = broadcast("mastodon-429")
    ids = delivery_ids(event)

    with pytest.raises(TransientSendError, match="429"):
        deliveries_send(delivery_ids=ids)

    delivery = event.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert cache.get("notifications:pause:social:mastodon") > time.time()
    assert cache.get("notifications:pause:social") is None  # the other networks go on
    assert mastodon.posts == []

    assert deliveries_send(delivery_ids=ids).sent == 1  # waits out the pause first
    assert len(mastodon.posts) == 1
    assert event.deliveries.get().status == "sent"


def test_mastodon_503_is_transient_and_the_retry_posts_once(mastodon):
    mastodon.answer_next(503, error="Service Unavailable")
    event = broadcast("mastodon-503")
    ids = delivery_ids(event)

    with pytest.raises(TransientSendError, match="503"):
        deliveries_send(delivery_ids=ids)
    assert event.deliveries.get().status == "pending"
    assert deliveries_send(delivery_ids=ids).sent == 1

    assert len(mastodon.posts) == 1
    assert SocialPost.objects.count() == 1


def test_mastodon_thread_posts_reply_to_the_threads_latest_status(mastodon):
    thread = {"thread": "alerts.alert.7"}
    posted = []
    for key in ("first", "update", "cancel"):
        event = broadcast(f"mastodon-thread-{key}", social=thread)
        deliveries_send(delivery_ids=delivery_ids(event))
        posted.append(mastodon.posts[-1])

    assert [post["in_reply_to_id"] for post in posted] == [None, posted[0]["id"], posted[1]["id"]]
    assert list(SocialPost.objects.order_by("id").values_list("thread", "reference")) == [
        ("alerts.alert.7", post["id"]) for post in posted
    ]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_mastodon_worker_killed_mid_post_gives_exactly_one_status(
    mastodon, settings, celery_worker
):
    worker = celery_worker(**worker_settings(mastodon=mastodon))
    mastodon.hold_next_post()
    event = broadcast("mastodon-killed")

    wait_until(lambda: mastodon.posts, timeout=60, what=f"the post\n{worker.output()}")
    kill_process_group(worker)  # the status is made; the worker never hears of it
    mastodon.release()
    delivery = event.deliveries.get()
    assert delivery.status == "sending" and not SocialPost.objects.exists()

    # The sweeper finds the dead claim; the retry (here in this process) sends again.
    settings.NOTIFICATIONS_SENDING_STALE_AFTER = 0
    assert deliveries_sweep().reset == 1
    assert deliveries_send(delivery_ids=[delivery.pk]).sent == 1

    assert len(mastodon.posts) == 1
    assert len(mastodon.requests()) == 2  # both with the delivery's one key
    row = SocialPost.objects.get()
    assert row.post_url == mastodon.posts[0]["url"]
    assert event.deliveries.get().status == "sent"
