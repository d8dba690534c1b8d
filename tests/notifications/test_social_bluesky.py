"""Bluesky against a loopback PDS that speaks the XRPC calls used (tests/fakes): the
session and its renewal, the post record (text, link facet in UTF-8 byte offsets, external
embed with an uploaded thumb, langs), the answers 401, 429 and 5xx, a reply on a thread,
the record key that makes a repeat a conflict, and a worker killed mid-post."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.channels.social_bluesky import link_facets, record_key
from civicportal.notifications.models import Delivery, SocialPost
from civicportal.notifications.services import deliveries_send, deliveries_sweep
from tests.fakes.social_networks import TID
from tests.fakes.social_portal import (
    bluesky_server,
    broadcast,
    card_png,
    delivery_ids,
    kill_process_group,
    social_settings,
    worker_settings,
)
from tests.notifications.conftest import wait_until

# Fixtures of the fakes, used here by name.
FAKE_FIXTURES = (
    bluesky_server,
    social_settings,
)

pytestmark = pytest.mark.django_db(transaction=True)

URL = "http://127.0.0.1:8000/ideas/1/"


@pytest.fixture
def bluesky(bluesky_server, settings, broker):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["bluesky"]
    return bluesky_server


def test_bluesky_post_has_facet_byte_offsets_embed_with_thumb_and_its_address(bluesky):
    image_url = bluesky.serve_file("/cards/idea-1.png", card_png(), "image/png")
    text = f"Þjóðhátíð 🎉 — the square is open again.\n\n{URL}"
    event = broadcast(
        "bluesky-ok",
        social={
            "texts": {"bluesky": text},
            "card": {"title": "The square", "description": "Open again", "image_url": image_url},
        },
    )
    delivery = event.deliveries.get()

    assert deliveries_send(delivery_ids=[delivery.pk]).sent == 1

    [post] = bluesky.posts
    record = post["record"]
    assert record["text"] == text
    assert record["langs"] == ["en"]
    assert record["createdAt"].endswith("Z")
    [facet] = record["facets"]
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert text.encode("utf-8")[start:end] == URL.encode()
    assert start == len(text.encode("utf-8")) - len(URL)  # bytes, not characters
    assert start != text.index(URL)
    assert facet["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": URL}]
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert (external["uri"], external["title"], external["description"]) == (
        URL,
        "The square",
        "Open again",
    )
    assert external["thumb"]["$type"] == "blob" and external["thumb"]["mimeType"] == "image/png"
    assert bluesky.blobs[external["thumb"]["ref"]["$link"]][0] == card_png()
    assert post["rkey"] == record_key(delivery) and TID.match(post["rkey"])
    row = SocialPost.objects.get()
    assert row.reference == f"{post['uri']}|{post['cid']}"
    assert row.post_url == f"https://bsky.app/profile/{bluesky.handle}/post/{post['rkey']}"
    assert row.network == "bluesky" and row.account == f"@{bluesky.handle}"


def test_bluesky_rendered_post_fits_300_and_goes_without_thumb_when_there_is_no_image(bluesky):
    event = broadcast(
        "bluesky-rendered",
        context={
            "subject": "Road works %(title)s",
            "body": "Long body. " * 60,
            "params": {"title": "on Main Street"},
            "url": "/ideas/1/",
        },
    )

    deliveries_send(delivery_ids=delivery_ids(event))

    record = bluesky.posts[0]["record"]
    assert len(record["text"]) <= 300 and record["text"].endswith(URL)
    assert record["embed"]["external"]["title"] == "Road works on Main Street"
    assert "thumb" not in record["embed"]["external"]


def test_bluesky_session_is_kept_and_renewed_when_the_token_expires(bluesky):
    first = broadcast("bluesky-session-1")
    deliveries_send(delivery_ids=delivery_ids(first))
    second = broadcast("bluesky-session-2")
    deliveries_send(delivery_ids=delivery_ids(second))
    assert (bluesky.sessions_created, bluesky.sessions_refreshed) == (1, 0)

    bluesky.expire_access_tokens()
    third = broadcast("bluesky-session-3")
    assert deliveries_send(delivery_ids=delivery_ids(third)).sent == 1

    assert (bluesky.sessions_created, bluesky.sessions_refreshed) == (1, 1)
    assert len(bluesky.posts) == 3


def test_bluesky_logs_in_again_when_the_refresh_token_is_gone_too(bluesky):
    deliveries_send(delivery_ids=delivery_ids(broadcast("bluesky-relogin-1")))
    bluesky.expire_access_tokens()
    bluesky.refresh.clear()

    assert deliveries_send(delivery_ids=delivery_ids(broadcast("bluesky-relogin-2"))).sent == 1
    assert (bluesky.sessions_created, len(bluesky.posts)) == (2, 2)


def test_bluesky_wrong_app_password_fails_the_post_for_good(bluesky, settings):
    settings.NOTIFICATIONS_BLUESKY_APP_PASSWORD = "wrong"
    event = broadcast("bluesky-401")

    summary = deliveries_send(delivery_ids=delivery_ids(event))

    assert (summary.failed, summary.released) == (1, 0)
    error = event.deliveries.get().last_error
    assert "401" in error and "Invalid identifier or password" in error
    assert "NOTIFICATIONS_BLUESKY_HANDLE" in error
    assert bluesky.posts == []


def test_bluesky_401_on_the_post_after_a_new_log_in_is_permanent(bluesky):
    bluesky.answer_next(401, error="AuthMissing", message="Authentication Required")
    bluesky.answer_next(401, error="AuthMissing", message="Authentication Required")
    event = broadcast("bluesky-post-401")

    assert deliveries_send(delivery_ids=delivery_ids(event)).failed == 1
    assert "401" in event.deliveries.get().last_error
    assert bluesky.posts == []


def test_bluesky_429_pauses_bluesky_alone_and_the_retry_posts_once(bluesky):
    bluesky.answer_next(
        429, error="RateLimitExceeded", message="Rate Limit Exceeded", retry_after=1
    )
    event = broadcast("bluesky-429")
    ids = delivery_ids(event)

    with pytest.raises(TransientSendError, match="429"):
        deliveries_send(delivery_ids=ids)

    assert event.deliveries.get().status == "pending"
    assert cache.get("notifications:pause:social:bluesky") > time.time()
    assert cache.get("notifications:pause:social") is None
    assert deliveries_send(delivery_ids=ids).sent == 1
    assert len(bluesky.posts) == 1


def test_bluesky_502_is_transient_and_the_retry_posts_once(bluesky):
    bluesky.answer_next(502, error="UpstreamFailure", message="Upstream Failure")
    event = broadcast("bluesky-502")
    ids = delivery_ids(event)

    with pytest.raises(TransientSendError, match="502"):
        deliveries_send(delivery_ids=ids)
    assert deliveries_send(delivery_ids=ids).sent == 1
    assert len(bluesky.posts) == 1


def test_bluesky_thread_replies_with_root_and_parent_strong_refs(bluesky):
    refs = []
    for key in ("alert", "update", "cancel"):
        event = broadcast(f"bluesky-thread-{key}", social={"thread": "alerts.alert.9"})
        deliveries_send(delivery_ids=delivery_ids(event))
        refs.append({"uri": bluesky.posts[-1]["uri"], "cid": bluesky.posts[-1]["cid"]})

    records = [post["record"] for post in bluesky.posts]
    assert "reply" not in records[0]
    assert records[1]["reply"] == {"root": refs[0], "parent": refs[0]}
    assert records[2]["reply"] == {"root": refs[0], "parent": refs[1]}


def test_bluesky_repeat_after_a_lost_answer_adopts_the_record_already_made(bluesky):
    event = broadcast("bluesky-lost-answer")
    ids = delivery_ids(event)
    deliveries_send(delivery_ids=ids)
    # As if the answer had been lost: the row never learnt it was posted.
    SocialPost.objects.all().delete()
    Delivery.objects.filter(pk__in=ids).update(status="pending", message_id="")

    assert deliveries_send(delivery_ids=ids).sent == 1

    assert len(bluesky.posts) == 1
    [post] = bluesky.posts
    assert SocialPost.objects.get().reference == f"{post['uri']}|{post['cid']}"


def test_link_facets_count_utf8_bytes_and_skip_a_text_without_the_link():
    [facet] = link_facets("é https://a.example/", "https://a.example/")
    assert facet["index"] == {"byteStart": 3, "byteEnd": 21}
    assert link_facets("no link here", "https://a.example/") == []


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_bluesky_worker_killed_mid_post_gives_exactly_one_post(bluesky, settings, celery_worker):
    worker = celery_worker(**worker_settings(bluesky=bluesky))
    bluesky.hold_next_post()
    event = broadcast("bluesky-killed")

    wait_until(lambda: bluesky.posts, timeout=60, what=f"the post\n{worker.output()}")
    kill_process_group(worker)
    bluesky.release()
    delivery = event.deliveries.get()
    assert delivery.status == "sending"

    settings.NOTIFICATIONS_SENDING_STALE_AFTER = 0
    assert deliveries_sweep().reset == 1
    assert deliveries_send(delivery_ids=[delivery.pk]).sent == 1

    assert len(bluesky.posts) == 1
    creates = [r for r in bluesky.requests() if r.path.endswith("repo.createRecord")]
    assert len(creates) == 2  # the second one met the record of the first
    post = bluesky.posts[0]
    assert SocialPost.objects.get().reference == f"{post['uri']}|{post['cid']}"
    assert event.deliveries.get().status == "sent"
