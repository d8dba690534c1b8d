"""Per-address limits count the client's address, which a forged header cannot change.

One setting, TRUSTED_PROXY_COUNT, says how many proxies of ours append to X-Forwarded-For;
the portal's own limits, allauth's and DRF's throttles all read the address through it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import RequestFactory
from rest_framework.throttling import AnonRateThrottle

from civicportal.kernel.client import client_address

pytestmark = pytest.mark.django_db


def request_from(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_appended_counts_not_what_the_client_sent(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged "198.51.100.1"; our proxy (10.0.0.2) appended what it saw.
    request = request_from("10.0.0.2", "198.51.100.1, 203.0.113.9")
    assert client_address(request) == "203.0.113.9"


def test_behind_two_proxies_the_second_entry_from_the_right_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = request_from("10.0.0.3", "198.51.100.1, 203.0.113.9, 10.0.0.2")
    assert client_address(request) == "203.0.113.9"


def test_a_header_shorter_than_the_proxy_chain_or_garbage_gives_no_forged_address(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request_from("10.0.0.3", "203.0.113.9")) == "10.0.0.3"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request_from("10.0.0.3", "not-an-address")) == ""


def test_allauth_and_drf_read_the_same_setting():
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT


def test_api_anonymous_throttle_is_not_bypassed_by_a_forged_forwarded_header(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": None})
    statuses = [
        client.get(
            "/api/v1/areas/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
