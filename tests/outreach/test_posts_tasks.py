"""Publication by a real worker: the task enqueued at approval runs at the scheduled time,
the notification engine posts each account's text once; the minute sweep is registered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicportal.core import periodic
from civicportal.notifications.models import Delivery, SocialPost
from outreach.models import Post, PostState
from outreach.services import posts as services
from tests.notifications.conftest import wait_until
from tests.outreach.posts_fixtures import awaiting, editor


def test_the_minute_sweep_is_registered_with_beat():
    entry = periodic.beat_schedule()["outreach-posts-publish-due"]
    assert entry["task"] == "outreach.tasks.posts_publish_due_task"
    assert entry["schedule"] == 60.0


@pytest.mark.django_db(transaction=True)
def test_a_worker_publishes_the_approved_post_at_its_time_and_posts_it_once(
    settings, celery_worker
):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["recording"]
    settings.NOTIFICATIONS_SOCIAL_MAX_LENGTH = 500
    celery_worker(NOTIFICATIONS_SOCIAL_BACKENDS="recording", SITE_URL=settings.SITE_URL)
    post = awaiting(scheduled_for=timezone.now() + timedelta(seconds=4))

    services.post_approve(actor=editor(), post=post, version=services.post_version(post))

    assert Post.objects.get(pk=post.pk).state == PostState.SCHEDULED
    wait_until(
        lambda: (
            Delivery.objects.filter(event__idempotency_key=f"outreach.post.{post.pk}")
            .filter(status="sent")
            .exists()
        ),
        timeout=60,
        what="the worker to publish and post the approved post",
    )
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED
    assert post.published_at >= post.scheduled_for
    recorded = SocialPost.objects.get()
    assert recorded.delivery.event_id == post.event_id
    # The sweep finds nothing left to do: the post went out once.
    assert services.posts_publish_due() == 0
    assert SocialPost.objects.count() == 1
