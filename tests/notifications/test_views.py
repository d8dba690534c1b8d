"""The inbox pages, the header's unread count, and the admin's notification pages."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from civicportal.notifications.models import (
    Delivery,
    PushSubscription,
    SocialPost,
)
from tests.accounts.factories import StaffFactory
from tests.notifications.factories import EventFactory, users_create


def _inbox_items(user, count, **fields) -> list[Delivery]:
    now = timezone.now()
    return [
        Delivery.objects.create(
            event=EventFactory(),
            recipient=user,
            channel="inbox",
            status="sent",
            sent_at=now,
            **fields,
        )
        for _ in range(count)
    ]


@pytest.mark.django_db
def test_inbox_lists_the_users_notices_in_constant_queries(client, django_assert_max_num_queries):
    reader, other = users_create(2)
    _inbox_items(reader, 3)
    _inbox_items(other, 1)
    client.force_login(reader)

    with django_assert_max_num_queries(12):
        response = client.get("/profile/inbox/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('id="inbox-item-') == 3
    assert "Your idea More benches has a new status" in page
    assert "You have 3 unread notices." in page

    _inbox_items(reader, 10)
    with django_assert_max_num_queries(12):
        client.get("/profile/inbox/")


@pytest.mark.django_db
def test_mark_read_marks_only_the_readers_own_item(client):
    reader, other = users_create(2)
    mine, _second = _inbox_items(reader, 2)
    [theirs] = _inbox_items(other, 1)
    client.force_login(reader)

    response = client.post("/profile/inbox/read/", {"item": [mine.pk, theirs.pk]})

    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None
    assert "You have 1 unread notice." in client.get("/profile/inbox/").content.decode()


@pytest.mark.django_db
def test_mark_read_with_htmx_returns_the_item_alone(client):
    reader = users_create(1)[0]
    [item] = _inbox_items(reader, 1)
    client.force_login(reader)
    response = client.post(
        "/profile/inbox/read/", {"item": item.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="inbox-item-{item.pk}"' in body
    assert "Mark as read" not in body
    assert "<html" not in body


@pytest.mark.django_db
def test_mark_all_read_and_the_header_count(client):
    reader = users_create(1)[0]
    _inbox_items(reader, 4)
    request = RequestFactory().get("/")
    request.user = reader
    link = Template('{% include "notifications/_inbox_link.html" %}')

    assert ">4<" in link.render(Context({"request": request, "user": reader})).replace(" ", "")

    client.force_login(reader)
    client.post("/profile/inbox/read-all/")
    assert not Delivery.objects.filter(read_at__isnull=True).exists()
    request = RequestFactory().get("/")
    request.user = reader
    rendered = link.render(Context({"request": request, "user": reader}))
    assert "Inbox" in rendered
    assert "badge" not in rendered


@pytest.mark.django_db
def test_inbox_needs_login(client):
    response = client.get("/profile/inbox/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.post("/profile/inbox/read-all/").status_code == 302


# --- Admin ----------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(StaffFactory(is_superuser=True, mfa=True))
    return client


@pytest.mark.django_db
def test_event_admin_shows_counts_by_channel_and_status_and_time_to_last(superuser_client):
    users = users_create(3)
    event = EventFactory()
    sent_at = event.created_at + timezone.timedelta(seconds=42)
    Delivery.objects.create(
        event=event, recipient=users[0], channel="email", status="sent", sent_at=sent_at
    )
    Delivery.objects.create(event=event, recipient=users[1], channel="email", status="failed")
    Delivery.objects.create(event=event, recipient=users[2], channel="sms", status="pending")

    changelist = superuser_client.get("/admin/notifications/event/").content.decode()
    assert "42.0 s" in changelist

    page = superuser_client.get(f"/admin/notifications/event/{event.pk}/change/").content.decode()
    assert "<th scope='row'>Email</th><td>0</td><td>0</td><td>1</td><td>1</td>" in page
    assert "<th scope='row'>SMS</th><td>1</td><td>0</td><td>0</td><td>0</td>" in page
    assert "42.0 s after the event" in page


@pytest.mark.django_db
def test_social_post_and_push_subscription_admin_pages(superuser_client):
    user = users_create(1)[0]
    SocialPost.objects.create(account="@riverside", text="Road closed on Main Street")
    PushSubscription.objects.create(
        user=user, endpoint="https://push.example.net/x", p256dh="k", auth="a", user_agent="Firefox"
    )
    posts = superuser_client.get("/admin/notifications/socialpost/").content.decode()
    assert "Road closed on Main Street" in posts
    subscriptions = superuser_client.get("/admin/notifications/pushsubscription/").content.decode()
    assert "push.example.net" in subscriptions
    for name in ("phonenumber", "notificationpreference", "digestitem", "delivery"):
        assert superuser_client.get(f"/admin/notifications/{name}/").status_code == 200
