"""The outbox services against PostgreSQL and the real broker: the sweeper, and the
worker's start."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicportal.notifications.models import Delivery
from civicportal.notifications.services import deliveries_sweep
from tests.notifications.factories import EventFactory, deliveries_create, users_create
from tests.notifications.helpers import queued_chunks


@pytest.mark.django_db
def test_sweep_requeues_stale_rows_once_and_leaves_live_ones(
    settings, django_capture_on_commit_callbacks, broker
):
    settings.NOTIFICATIONS_SENDING_STALE_AFTER = 60
    settings.NOTIFICATIONS_PENDING_STALE_AFTER = 60
    now = timezone.now()
    old = now - timedelta(minutes=10)
    users = users_create(5)
    event = EventFactory()
    deliveries_create(users[0:1], event=event, status="sending", claimed_at=old, attempts=1)
    deliveries_create(users[1:2], event=event, status="sending", claimed_at=now, attempts=1)
    deliveries_create(users[2:3], event=event, queued_at=None)
    deliveries_create(users[3:4], event=event, queued_at=old)
    deliveries_create(users[4:5], event=event, queued_at=now)
    by_user = dict(event.deliveries.values_list("recipient_id", "id"))
    stuck_sending, live_sending, unqueued, long_queued, just_queued = (by_user[u.pk] for u in users)

    with django_capture_on_commit_callbacks(execute=True):
        first = deliveries_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        second = deliveries_sweep()

    assert (first.reset, first.requeued) == (1, 3)
    assert (second.reset, second.requeued) == (0, 0)  # safe to run twice
    assert queued_chunks(broker) == [sorted([stuck_sending, unqueued, long_queued])]
    assert Delivery.objects.get(pk=live_sending).status == "sending"
    assert Delivery.objects.get(pk=just_queued).queued_at == now
    reset = Delivery.objects.get(pk=stuck_sending)
    assert (reset.status, reset.claim_token) == ("pending", None)
    assert "expired" in reset.last_error


def test_worker_preload_builds_every_configured_channel_and_leaves_a_broken_one(settings):
    """A worker loads the backends before it forks (tasks.worker_preload); one that cannot
    be built is left for its sends to report, and does not stop the worker."""
    from civicportal.notifications.channels import channels_preload
    from civicportal.notifications.rendering import rendering_preload

    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "broken": "django.utils.timezone.now",
    }
    built = channels_preload()
    assert "broken" not in built
    assert set(built) == set(settings.NOTIFICATIONS_CHANNELS) - {"broken"}
    rendering_preload()  # every topic's templates and every language load without error
