"""A Facebook Page against a loopback Graph API (tests/fakes): the feed post, the Graph
errors (190 bad token, rate limits, 5xx), a thread continued as comments, and the feed
check that makes a repeat after a lost answer or a killed worker adopt the post made."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.models import Delivery, SocialPost
from civicportal.notifications.services import deliveries_send, deliveries_sweep
from tests.fakes.social_portal import (
    broadcast,
    delivery_ids,
    facebook_server,
    kill_process_group,
    social_settings,
    worker_settings,
)
from tests.notifications.conftest import wait_until

# Fixtures of the fakes, used here by name.
FAKE_FIXTURES = (
    facebook_server,
    social_settings,
)

pytestmark = pytest.mark.django_db(transaction=True)

URL = "http://127.0.0.1:8000/ideas/1/"


@pytest.fixture
def facebook(facebook_server, settings, broker):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["facebook"]
    return facebook_server


def _feed_reads(facebook) -> int:
    return sum(1 for r in facebook.requests() if r.method == "GET" and "/feed" in r.path)


def test_facebook_page_post_has_message_and_link_and_its_address(facebook):
    event = broadcast("facebook-ok")

    assert deliveries_send(delivery_ids=delivery_ids(event)).sent == 1

    [post] = facebook.posts
    assert post["message"].startswith("Your idea More benches has a new status")
    assert post["link"] == URL
    [request] = facebook.requests()
    assert request.path == f"/v21.0/{facebook.page_id}/feed"
    assert request.headers["authorization"] == f"Bearer {facebook.token}"
    assert "page-token" not in request.path  # the token never travels in the address
    row = SocialPost.objects.get()
    assert (row.network, row.reference) == ("facebook", post["id"])
    assert row.post_url == f"https://www.facebook.com/{post['id']}"
    assert _feed_reads(facebook) == 0  # a first attempt has nothing to look for


def test_facebook_invalid_token_190_fails_the_post_for_good(facebook, settings):
    settings.NOTIFICATIONS_FACEBOOK_PAGE_TOKEN = "expired"
    event = broadcast("facebook-190")

    summary = deliveries_send(delivery_ids=delivery_ids(event))

    assert (summary.failed, summary.released) == (1, 0)
    error = event.deliveries.get().last_error
    assert "code 190" in error and "NOTIFICATIONS_FACEBOOK_PAGE_TOKEN" in error
    assert facebook.posts == []


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_facebook_rate_limit_codes_pause_the_page_and_the_retry_posts_once(facebook, code):
    facebook.answer_next(400, code=code, message="(#32) Page request limit reached", retry_after=1)
    event = broadcast(f"facebook-rate-{code}")
    ids = delivery_ids(event)

    with pytest.raises(TransientSendError, match=f"rate limit \\({code}\\)"):
        deliveries_send(delivery_ids=ids)

    assert event.deliveries.get().status == "pending"
    assert cache.get("notifications:pause:social:facebook") > time.time()
    assert cache.get("notifications:pause:social") is None
    assert deliveries_send(delivery_ids=ids).sent == 1
    assert len(facebook.posts) == 1
    assert _feed_reads(facebook) == 1  # the second attempt looked first


def test_facebook_rate_limit_without_retry_after_pauses_for_the_default_wait(facebook):
    facebook.answer_next(400, code=32, message="(#32) Page request limit reached")
    event = broadcast("facebook-rate-default")

    with pytest.raises(TransientSendError):
        deliveries_send(delivery_ids=delivery_ids(event))

    assert cache.get("notifications:pause:social:facebook") > time.time() + 50


def test_facebook_500_is_transient(facebook):
    facebook.answer_next(500, code=1, message="An unknown error occurred")
    event = broadcast("facebook-500")
    ids = delivery_ids(event)

    with pytest.raises(TransientSendError, match="500"):
        deliveries_send(delivery_ids=ids)
    assert event.deliveries.get().status == "pending"
    assert deliveries_send(delivery_ids=ids).sent == 1
    assert len(facebook.posts) == 1


def test_facebook_thread_goes_on_as_comments_under_its_first_post(facebook):
    for key in ("alert", "update", "cancel"):
        event = broadcast(f"facebook-thread-{key}", social={"thread": "alerts.alert.3"})
        deliveries_send(delivery_ids=delivery_ids(event))

    first, update, cancel = facebook.posts
    assert first["parent"] == ""
    assert update["parent"] == cancel["parent"] == first["id"]
    assert update["message"].endswith(URL)
    row = SocialPost.objects.order_by("id").last()
    comment = cancel["id"].rsplit("_", 1)[-1]
    assert row.post_url == f"https://www.facebook.com/{first['id']}?comment_id={comment}"


def test_facebook_repeat_after_a_lost_answer_adopts_the_post_in_the_feed(facebook):
    event = broadcast("facebook-lost-answer")
    ids = delivery_ids(event)
    deliveries_send(delivery_ids=ids)
    SocialPost.objects.all().delete()
    Delivery.objects.filter(pk__in=ids).update(status="pending", message_id="")

    assert deliveries_send(delivery_ids=ids).sent == 1

    assert len(facebook.posts) == 1
    assert SocialPost.objects.get().reference == facebook.posts[0]["id"]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_facebook_worker_killed_mid_post_gives_exactly_one_post(facebook, settings, celery_worker):
    worker = celery_worker(**worker_settings(facebook=facebook))
    facebook.hold_next_post()
    event = broadcast("facebook-killed")

    wait_until(lambda: facebook.posts, timeout=60, what=f"the post\n{worker.output()}")
    kill_process_group(worker)
    facebook.release()
    delivery = event.deliveries.get()
    assert delivery.status == "sending"

    settings.NOTIFICATIONS_SENDING_STALE_AFTER = 0
    assert deliveries_sweep().reset == 1
    assert deliveries_send(delivery_ids=[delivery.pk]).sent == 1

    assert len(facebook.posts) == 1
    assert _feed_reads(facebook) == 1
    assert SocialPost.objects.get().reference == facebook.posts[0]["id"]
