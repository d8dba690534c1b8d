from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.urls import reverse

from civicportal.core import selectors, services
from civicportal.core.models import Follow
from tests.accounts.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _follow_url(item) -> str:
    return reverse("core:follow", args=["accounts.area", item.pk])


def test_follow_and_unfollow(item, resident):
    assert services.follow_set(user=resident, target=item, following=True) is True
    assert selectors.is_following(user=resident, item=item)
    assert services.follow_set(user=resident, target=item, following=False) is False
    assert not selectors.is_following(user=resident, item=item)


def test_following_twice_leaves_one_row(item, resident):
    services.follow_set(user=resident, target=item, following=True)
    services.follow_set(user=resident, target=item, following=True)
    assert Follow.objects.count() == 1


def test_database_refuses_a_second_follow_row(item, resident):
    services.follow_set(user=resident, target=item, following=True)
    follow = Follow.objects.get()
    with pytest.raises(IntegrityError):
        Follow.objects.create(
            user=resident, content_type=follow.content_type, object_id=follow.object_id
        )


def test_followers_of_is_the_audience_of_updates(item):
    followers = [UserFactory() for _ in range(3)]
    for user in followers:
        services.follow_set(user=user, target=item, following=True)
    services.follow_set(user=UserFactory(), target=AreaFactory(), following=True)
    blocked = UserFactory(is_active=False)
    Follow.objects.create(
        user=blocked,
        content_type=Follow.objects.first().content_type,
        object_id=item.pk,
    )
    assert list(selectors.followers_of(item)) == sorted(followers, key=lambda u: u.pk)


def test_plain_post_follows_and_redirects(client, item, resident):
    client.force_login(resident)
    response = client.post(_follow_url(item), {"following": "1", "next": "/back/"})
    assert response.status_code == 302 and response["Location"] == "/back/"
    assert selectors.is_following(user=resident, item=item)
    client.post(_follow_url(item), {"following": "0"})
    assert not selectors.is_following(user=resident, item=item)


def test_double_click_does_not_flip_back(client, item, resident):
    client.force_login(resident)
    client.post(_follow_url(item), {"following": "1"})
    client.post(_follow_url(item), {"following": "1"})
    assert selectors.is_following(user=resident, item=item)


def test_htmx_post_returns_the_button(client, item, resident):
    client.force_login(resident)
    response = client.post(_follow_url(item), {"following": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Stop following" in html
    assert "1 follower" in html


def test_button_for_visitors_links_to_sign_in(rf, item):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    html = render_to_string("core/_follow_button.html", {"object": item}, request=request)
    assert "Sign in to follow" in html


def test_unregistered_items_cannot_be_followed(client, participation, resident):
    client.force_login(resident)
    response = client.post(reverse("core:follow", args=["accounts.user", resident.pk]))
    assert response.status_code == 404
