"""Sessions live in the database and are read from the shared cache (settings.py)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _session_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"]]


def test_signed_in_request_reads_its_session_from_the_cache_not_the_database(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("home"))  # a first request may fill the cache

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert response.context["user"] == user
    assert _session_queries(queries.captured_queries) == []
    # Written through: the database still holds the session, for a cache that restarts.
    assert Session.objects.filter(session_key=client.session.session_key).exists()


def test_session_lost_from_the_cache_is_read_back_from_the_database(client):
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import cache

    user = UserFactory()
    client.force_login(user)
    cache.delete(KEY_PREFIX + client.session.session_key)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert response.context["user"] == user
    assert len(_session_queries(queries.captured_queries)) == 1


def test_signing_out_ends_the_session_in_the_cache_too(client):
    user = UserFactory()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    client.get(reverse("accounts:profile"))

    client.post(reverse("account_logout"))
    client.cookies["sessionid"] = cookie  # replaying the old cookie

    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()
