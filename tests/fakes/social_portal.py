"""The portal pointed at the fake social networks, for tests: fixtures that start each
fake and set the backend's settings, a broadcast helper, and a worker's environment.

Import the fixtures into a test module (``from tests.fakes.social_portal import
mastodon_server``); they need the notifications conftest's ``broker`` only through the
tests that send.
"""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Iterator

import pytest
from django.db import transaction
from PIL import Image

from civicportal.notifications.channels.social import social_broadcasts
from civicportal.notifications.models import Delivery, Event
from civicportal.notifications.services import event_create
from tests.fakes.social_networks import FakeBluesky, FakeGraph, FakeMastodon
from tests.notifications.factories import CONTEXT


def card_png(width: int = 120, height: int = 63) -> bytes:
    """A real PNG, small enough for a link card."""
    image = Image.new("RGB", (width, height), (0, 94, 184))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def social_settings(settings):
    """Loopback allowed (the fakes live there); the channel and accounts unpaced, so tests
    do not wait a second per post (the pacing tests set rates of their own)."""
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    settings.NOTIFICATIONS_RATES = {**settings.NOTIFICATIONS_RATES, "social": 0}
    settings.NOTIFICATIONS_SOCIAL_RATES = ""
    return settings


@pytest.fixture
def mastodon_server(social_settings) -> Iterator[FakeMastodon]:
    server = FakeMastodon().start()
    social_settings.NOTIFICATIONS_MASTODON_URL = server.url
    social_settings.NOTIFICATIONS_MASTODON_TOKEN = server.token
    yield server
    server.stop()


@pytest.fixture
def bluesky_server(social_settings) -> Iterator[FakeBluesky]:
    from civicportal.notifications.channels import social_bluesky

    server = FakeBluesky().start()
    social_settings.NOTIFICATIONS_BLUESKY_URL = server.url
    social_settings.NOTIFICATIONS_BLUESKY_HANDLE = server.handle
    social_settings.NOTIFICATIONS_BLUESKY_APP_PASSWORD = server.password
    yield server
    server.stop()
    social_bluesky._sessions.clear()  # the next test's server is another PDS


@pytest.fixture
def facebook_server(social_settings) -> Iterator[FakeGraph]:
    server = FakeGraph().start()
    social_settings.NOTIFICATIONS_FACEBOOK_URL = server.url
    social_settings.NOTIFICATIONS_FACEBOOK_PAGE_ID = server.page_id
    social_settings.NOTIFICATIONS_FACEBOOK_PAGE_TOKEN = server.token
    social_settings.NOTIFICATIONS_FACEBOOK_API_VERSION = server.version
    yield server
    server.stop()


def broadcast(key: str, *, social: dict | None = None, context: dict | None = None) -> Event:
    """What a domain service does: an event posted on every configured account."""
    context = dict(context or CONTEXT)
    if social is not None:
        context["social"] = social
    with transaction.atomic():
        return event_create(
            kind="tests.status_changed",
            recipients=[],
            channels_for=lambda user: [],
            context=context,
            idempotency_key=key,
            broadcasts=social_broadcasts(),
        )


def delivery_ids(event: Event) -> list[int]:
    return list(event.deliveries.order_by("id").values_list("id", flat=True))


def delivery_of(event: Event, account: str) -> Delivery:
    return event.deliveries.get(address=account)


def worker_settings(**servers) -> dict[str, str]:
    """A worker's environment for the fakes given (``mastodon=``, ``bluesky=``,
    ``facebook=``): the backends, their addresses and secrets."""
    env = {
        "NOTIFICATIONS_SOCIAL_BACKENDS": ",".join(servers),
        "NOTIFICATIONS_SOCIAL_RATES": "",
    }
    if mastodon := servers.get("mastodon"):
        env |= {
            "NOTIFICATIONS_MASTODON_URL": mastodon.url,
            "NOTIFICATIONS_MASTODON_TOKEN": mastodon.token,
        }
    if bluesky := servers.get("bluesky"):
        env |= {
            "NOTIFICATIONS_BLUESKY_URL": bluesky.url,
            "NOTIFICATIONS_BLUESKY_HANDLE": bluesky.handle,
            "NOTIFICATIONS_BLUESKY_APP_PASSWORD": bluesky.password,
        }
    if facebook := servers.get("facebook"):
        env |= {
            "NOTIFICATIONS_FACEBOOK_URL": facebook.url,
            "NOTIFICATIONS_FACEBOOK_PAGE_ID": facebook.page_id,
            "NOTIFICATIONS_FACEBOOK_PAGE_TOKEN": facebook.token,
            "NOTIFICATIONS_FACEBOOK_API_VERSION": facebook.version,
        }
    return env


def kill_process_group(worker) -> None:
    """SIGKILL the worker's parent and pool processes at once: nothing gets to clean up."""
    os.killpg(os.getpgid(worker.process.pid), signal.SIGKILL)
    worker.process.wait(timeout=30)
