"""The anonymous visitors' page cache (civicportal/core/pagecache.py), on the home page:
who is served a stored copy, and that a copy never carries anyone's token, cookie or name."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from civicportal.core.pagecache import (
    CSRF_PLACEHOLDER,
    GENERATION_KEY,
    page_cache_clear_local,
    page_cache_invalidate,
)
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
_FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CORE_PAGE_CACHE_SECONDS = 10
    settings.CORE_PAGE_CACHE_LOCAL_SECONDS = 1
    settings.LANGUAGE_CODE = "en"


def _token(response) -> str:
    return _TOKEN.search(response.content.decode())[1]


def _without_token(response) -> str:
    return _FORM_TOKEN.sub("", _TOKEN.sub("", response.content.decode()))


def test_anonymous_visitor_gets_the_stored_copy_without_queries(client, django_assert_num_queries):
    first = client.get(reverse("home"))
    with django_assert_num_queries(0):
        second = client.get(reverse("home"))
    assert second.status_code == 200
    assert _without_token(second) == _without_token(first)
    assert "Cookie" in second["Vary"]


def test_another_process_renders_again_after_an_invalidation(client, django_assert_max_num_queries):
    client.get(reverse("home"))
    # Another process invalidated (a new generation) and this one's memory copy aged out.
    cache.set(GENERATION_KEY, "from-another-process", timeout=None)
    page_cache_clear_local()
    with django_assert_max_num_queries(20) as queries:
        client.get(reverse("home"))
    assert len(queries) > 0


def test_invalidation_reaches_the_next_request(client, django_assert_max_num_queries):
    client.get(reverse("home"))
    page_cache_invalidate()
    with django_assert_max_num_queries(20) as queries:
        client.get(reverse("home"))
    assert len(queries) > 0


def test_each_visitor_gets_their_own_csrf_token_and_cookie_never_the_stored_ones():
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    a = first.get(reverse("home"))
    b = second.get(reverse("home"))  # from the copy

    assert CSRF_PLACEHOLDER not in b.content.decode()
    assert _token(a) and _token(b) and _token(a) != _token(b)
    assert _FORM_TOKEN.search(b.content.decode())[1] == _token(b)
    assert set(a.cookies) == {"csrftoken"} and set(b.cookies) == {"csrftoken"}
    assert a.cookies["csrftoken"].value != b.cookies["csrftoken"].value
    # Each token works with its own cookie (the language switcher on the cached page) ...
    switched = second.post(
        reverse("set_language"),
        {"language": "is", "next": "/", "csrfmiddlewaretoken": _token(b)},
    )
    assert switched.status_code == 302
    # ... and nobody else's token works with it.
    third = Client(enforce_csrf_checks=True)
    third.get(reverse("home"))
    refused = third.post(
        reverse("set_language"),
        {"language": "is", "next": "/", "csrfmiddlewaretoken": _token(a)},
    )
    assert refused.status_code == 403


def test_stored_copy_holds_no_token_of_the_visitor_it_was_rendered_for(client):
    from civicportal.core import pagecache

    response = client.get(reverse("home"))
    (copy,) = [c for _fetched, c in pagecache._local._copies.values()]
    stored = b"".join(copy.parts).decode()
    assert _token(response) not in stored
    assert len(copy.parts) == 3  # the meta tag and the language switcher's form
    assert not any(name.lower() == "set-cookie" for name, _value in copy.headers)


def test_signed_in_resident_never_gets_nor_leaves_a_stored_copy(
    client, django_assert_max_num_queries
):
    resident = UserFactory(display_name="Sigrún Jónsdóttir")
    anonymous = client.get(reverse("home")).content.decode()
    assert "Sigrún" not in anonymous

    signed_in = Client()
    signed_in.force_login(resident)
    page = signed_in.get(reverse("home")).content.decode()
    assert "Sigrún Jónsdóttir" in page and reverse("account_logout") in page
    assert "Sigrún" in signed_in.get(reverse("home")).content.decode()

    page_cache_invalidate()
    signed_in.get(reverse("home"))  # rendered for her, and not stored
    with django_assert_max_num_queries(20) as queries:
        again = Client().get(reverse("home")).content.decode()
    assert len(queries) > 0, "the signed-in page must not have been stored"
    assert "Sigrún" not in again and reverse("account_logout") not in again


def test_visitor_with_a_session_or_messages_gets_a_fresh_page(
    client, settings, django_assert_max_num_queries
):
    client.get(reverse("home"))  # stored
    for cookie in (settings.SESSION_COOKIE_NAME, "messages"):
        visitor = Client()
        visitor.cookies[cookie] = "anything"
        with django_assert_max_num_queries(20) as queries:
            assert visitor.get(reverse("home")).status_code == 200
        assert len(queries) > 0, cookie


def test_htmx_request_gets_a_fresh_page(client, django_assert_max_num_queries):
    client.get(reverse("home"))
    with django_assert_max_num_queries(20) as queries:
        client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert len(queries) > 0


def test_each_language_has_its_own_copy(client, settings):
    english = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in english

    by_header = Client(HTTP_ACCEPT_LANGUAGE="is").get(reverse("home")).content.decode()
    assert 'lang="is"' in by_header and "Borgin þín, þín rödd" in by_header

    chooser = Client()
    chooser.cookies[settings.LANGUAGE_COOKIE_NAME] = "is"
    chosen = chooser.get(reverse("home"))
    assert 'lang="is"' in chosen.content.decode() and chosen["Content-Language"] == "is"
    assert 'lang="en"' in client.get(reverse("home")).content.decode()


def test_query_string_has_its_own_copy(client):
    plain = client.get(reverse("home")).content.decode()
    tagged = client.get(reverse("home") + "?from=sms").content.decode()
    assert 'name="next" value="/"' in plain
    assert 'name="next" value="/?from=sms"' in tagged


def test_security_headers_are_on_the_stored_copy_too(client):
    client.get(reverse("home"))
    response = client.get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
    assert response["Content-Type"].startswith("text/html")


def test_no_page_cache_when_switched_off(client, settings, django_assert_max_num_queries):
    settings.CORE_PAGE_CACHE_SECONDS = 0
    client.get(reverse("home"))
    with django_assert_max_num_queries(20) as queries:
        client.get(reverse("home"))
    assert len(queries) > 0
