"""The social channel across accounts: an alert's posts on one thread, one network's pause
not holding the others, each account's own rate, the recording backend's rows, and a post
written down before its worker died."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from alerts import services as alert_services
from alerts.services import factchecks as factcheck_services
from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.channels.social import social_rates
from civicportal.notifications.models import Delivery, SocialPost
from civicportal.notifications.services import deliveries_send
from tests.alerts.factcheck_factories import pending as factcheck_pending
from tests.alerts.factcheck_factories import published_standalone
from tests.alerts.factories import approver, author, published
from tests.fakes.social_portal import (
    bluesky_server,
    broadcast,
    delivery_ids,
    mastodon_server,
    social_settings,
)

# Fixtures of the fakes, used here by name.
FAKE_FIXTURES = (
    bluesky_server,
    mastodon_server,
    social_settings,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _send_social() -> None:
    ids = list(
        Delivery.objects.filter(channel="social", status="pending").values_list("id", flat=True)
    )
    deliveries_send(delivery_ids=ids)


def test_an_alert_and_its_cancellation_are_posted_on_one_thread(
    mastodon_server,
    settings,
    broker,
):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon"]
    by = author()
    alert = published(by=by)
    alert_services.alert_message_fan_out(message_id=alert.current_message.pk)
    _send_social()
    cancel = alert_services.alert_cancel(actor=by, alert=alert)
    alert_services.alert_message_fan_out(message_id=cancel.pk)
    _send_social()

    first, follow_up = mastodon_server.posts
    assert first["in_reply_to_id"] is None
    assert follow_up["in_reply_to_id"] == first["id"]
    assert set(SocialPost.objects.values_list("thread", flat=True)) == {f"alerts.alert.{alert.pk}"}


def test_a_fact_check_about_an_alert_is_posted_on_the_alerts_thread(settings):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["recording"]
    alert = published()
    by = author()
    about_alert = factcheck_pending(by=by, alert=alert)
    factcheck_services.factcheck_approve(
        actor=approver(),
        fact_check=about_alert,
        version=factcheck_services.factcheck_version(about_alert),
    )
    published_standalone(claim="The library closes for good.")

    contexts = [
        delivery.event.context
        for delivery in Delivery.objects.filter(
            channel="social", event__kind=factcheck_services.SOCIAL_KIND
        ).order_by("id")
    ]
    assert contexts[0]["social"] == {"thread": f"alerts.alert.{alert.pk}"}
    assert "social" not in contexts[1]


def test_one_network_paused_does_not_hold_the_other_accounts_posts(
    mastodon_server,
    bluesky_server,
    settings,
    broker,
):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon", "bluesky"]
    mastodon_server.answer_next(429, error="Too many requests", retry_after=30)
    event = broadcast("two-networks")

    with pytest.raises(TransientSendError) as raised:
        deliveries_send(delivery_ids=delivery_ids(event))

    assert raised.value.retry_after is None  # so the channel as a whole is not paused
    assert dict(event.deliveries.values_list("address", "status")) == {
        "mastodon": "pending",
        "bluesky": "sent",
    }
    assert len(bluesky_server.posts) == 1 and mastodon_server.posts == []
    assert cache.get("notifications:pause:social:mastodon") > time.time() + 25
    assert cache.get("notifications:pause:social:bluesky") is None
    assert cache.get("notifications:pause:social") is None


def test_a_composed_text_goes_to_its_account_and_the_others_get_the_rendered_post(
    mastodon_server,
    settings,
    broker,
):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon", "recording"]
    event = broadcast("composed-one", social={"texts": {"mastodon": "Only for Mastodon"}})

    assert deliveries_send(delivery_ids=delivery_ids(event)).sent == 2

    assert [post["text"] for post in mastodon_server.posts] == ["Only for Mastodon"]
    recorded = SocialPost.objects.get(network="recording")
    assert recorded.text.startswith("Your idea More benches has a new status")


def test_each_account_is_paced_at_its_own_rate(mastodon_server, settings, broker):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon"]
    settings.NOTIFICATIONS_SOCIAL_RATES = "mastodon=1,bluesky=5"
    ids = delivery_ids(broadcast("paced-1")) + delivery_ids(broadcast("paced-2"))

    assert deliveries_send(delivery_ids=ids).sent == 2

    seconds = [status["created_at"][:19] for status in mastodon_server.statuses.values()]
    assert len(set(seconds)) == 2  # one post per calendar second


def test_social_rates_setting_reads_pairs_and_refuses_anything_else(settings):
    settings.NOTIFICATIONS_SOCIAL_RATES = "mastodon=1, bluesky=2"
    assert social_rates() == {"mastodon": 1, "bluesky": 2}
    settings.NOTIFICATIONS_SOCIAL_RATES = {"facebook": 3}
    assert social_rates() == {"facebook": 3}
    settings.NOTIFICATIONS_SOCIAL_RATES = "mastodon=fast"
    with pytest.raises(ImproperlyConfigured, match="'mastodon=fast'"):
        social_rates()


def test_recording_backend_writes_its_rows_like_the_networks_and_threads_them(settings, broker):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["recording"]
    settings.NOTIFICATIONS_SOCIAL_RECORDING_ACCOUNT = "@riverside"
    for key in ("rec-1", "rec-2"):
        event = broadcast(key, social={"thread": "consultations.7"})
        deliveries_send(delivery_ids=delivery_ids(event))

    rows = list(SocialPost.objects.order_by("id"))
    assert [(r.network, r.account, r.thread, r.post_url) for r in rows] == [
        ("recording", "@riverside", "consultations.7", "")
    ] * 2
    assert all(r.reference for r in rows)
    assert all(r.delivery.status == "sent" for r in rows)


def test_a_post_written_down_before_its_worker_died_is_not_posted_again(
    mastodon_server,
    settings,
    broker,
):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon"]
    event = broadcast("written-down")
    ids = delivery_ids(event)
    deliveries_send(delivery_ids=ids)
    Delivery.objects.filter(pk__in=ids).update(status="pending", message_id="")

    assert deliveries_send(delivery_ids=ids).sent == 1

    assert len(mastodon_server.requests()) == 1
    delivery = event.deliveries.get()
    assert delivery.message_id == mastodon_server.posts[0]["url"]
