"""SSRF: every outbound HTTP request (web push, SMS gateway, Mastodon) goes through one
guard, civicportal/kernel/outbound.py.

- A push subscription may only name a push service on ``NOTIFICATIONS_PUSH_HOSTS``;
  checked when a browser subscribes (a clear 400) and again when a message is sent.
- The guard resolves the host, refuses when any of its addresses is private, loopback,
  link-local, multicast, reserved or unspecified (``OUTBOUND_ALLOW_LOOPBACK`` lets the
  tests' local servers through), and connects to the address it checked.
- Redirects are never followed: a 3xx is a failure.

The far sides are real HTTP servers on 127.0.0.1 (tests/notifications/servers.py); no
request here is ever sent to a private-range address: those are refused before connecting.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicportal.notifications.channels.social import social_broadcasts
from civicportal.notifications.management.commands.vapid_keys import vapid_keys_generate
from civicportal.notifications.models import PhoneNumber, PushSubscription
from civicportal.notifications.services import deliveries_send, event_create, phone_number_start
from tests.notifications import conftest as notifications_conftest
from tests.notifications.factories import CONTEXT, users_create
from tests.notifications.servers import Answer, HttpSink
from tests.notifications.test_push import Browser, b64url

SUBSCRIBE_URL = "/profile/notifications/push/subscribe/"

# The notification tests' real servers: the HTTP sink on loopback, and the broker (which
# stops the session's shared worker, so it cannot take these tests' deliveries).
http_sink = notifications_conftest.http_sink
broker = notifications_conftest.broker


@pytest.fixture
def push(settings):
    public, private = vapid_keys_generate()
    settings.NOTIFICATIONS_VAPID_PUBLIC_KEY = public
    settings.NOTIFICATIONS_VAPID_PRIVATE_KEY = private
    settings.NOTIFICATIONS_PUSH_ALLOW_HTTP = True  # the local stand-ins speak plain http
    settings.NOTIFICATIONS_CHANNELS = {
        **settings.NOTIFICATIONS_CHANNELS,
        "push": "civicportal.notifications.channels.push.PushChannel",
    }
    return settings


@pytest.fixture
def second_sink():
    """Where a redirect points: it must never hear from us."""
    sink = HttpSink().start()
    yield sink
    sink.stop()


def _event(users, *, channel: str, key: str, broadcasts=()):
    with transaction.atomic():
        return event_create(
            kind="tests.status_changed",
            recipients=users,
            channels_for=lambda user: [channel],
            context=CONTEXT,
            idempotency_key=key,
            broadcasts=list(broadcasts),
        )


def _send(event):
    return deliveries_send(delivery_ids=list(event.deliveries.values_list("id", flat=True)))


def _redirect(status: int, target: HttpSink) -> Answer:
    return Answer(status, headers=(("Location", f"{target.url}/stolen"),))


# --- Subscribing ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1/push/1",
        "https://10.1.2.3/push/1",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/push/1",
        "https://[::ffff:10.1.2.3]/push/1",
        "https://push.attacker.example/push/1",
        "https://fcm.googleapis.com@10.1.2.3/push/1",  # the host is 10.1.2.3
        "https://fcm.googleapis.com.attacker.example/push/1",
    ],
)
def test_subscribing_with_an_endpoint_off_the_push_service_allowlist_is_refused(
    client, settings, endpoint
):
    settings.NOTIFICATIONS_PUSH_ALLOW_HTTP = False
    client.force_login(users_create(1)[0])
    browser = Browser()
    response = client.post(
        SUBSCRIBE_URL,
        json.dumps(
            {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)}}
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "push service" in response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["https://[::1/push/1", "https://[fcm.googleapis.com]/x"])
def test_subscribing_with_an_endpoint_that_is_not_a_url_is_a_clear_400_not_a_500(client, endpoint):
    client.force_login(users_create(1)[0])
    browser = Browser()
    response = client.post(
        SUBSCRIBE_URL,
        json.dumps(
            {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)}}
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "not a secure web address" in response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc:APA91b",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA",
        "https://web.push.apple.com/QGuQyavXutnMaBTwX",
        "https://wns2-by3p.notify.windows.com/w/?token=BQYAAA",
    ],
)
def test_subscribing_with_a_real_browser_push_service_is_accepted(client, settings, endpoint):
    settings.NOTIFICATIONS_PUSH_ALLOW_HTTP = False
    client.force_login(users_create(1)[0])
    browser = Browser()
    response = client.post(
        SUBSCRIBE_URL,
        json.dumps(
            {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)}}
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert PushSubscription.objects.get().endpoint == endpoint


# --- Sending: web push ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_push_to_an_allowed_name_that_resolves_to_loopback_is_refused_at_connect_time(
    push, http_sink, broker
):
    push.NOTIFICATIONS_PUSH_HOSTS = ["localhost"]
    push.OUTBOUND_ALLOW_LOOPBACK = False  # as in production
    user = users_create(1)[0]
    port = http_sink.server.server_address[1]
    Browser().subscribe(user, f"http://localhost:{port}/push/inside")

    summary = _send(_event([user], channel="push", key="push-private"))

    assert (summary.sent, summary.failed) == (0, 1)
    assert http_sink.received() == []
    delivery = PushSubscription.objects.get().user.notification_deliveries.get()
    assert delivery.status == "failed"
    assert "not a public address" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_push_to_a_stored_subscription_off_the_allowlist_is_refused_at_send_time(
    push, http_sink, broker
):
    """A row saved before the allowlist existed (or before it was narrowed) gets nothing."""
    push.NOTIFICATIONS_PUSH_HOSTS = ["fcm.googleapis.com"]
    user = users_create(1)[0]
    Browser().subscribe(user, f"{http_sink.url}/push/old-row")

    summary = _send(_event([user], channel="push", key="push-off-list"))

    assert (summary.sent, summary.failed) == (0, 1)
    assert http_sink.received() == []
    assert "NOTIFICATIONS_PUSH_HOSTS" in user.notification_deliveries.get().last_error


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [302, 307, 308])
def test_push_service_redirect_is_not_followed_and_fails_the_delivery(
    push, http_sink, second_sink, broker, status
):
    push.NOTIFICATIONS_PUSH_HOSTS = ["127.0.0.1"]
    user = users_create(1)[0]
    Browser().subscribe(user, f"{http_sink.url}/push/moved")
    http_sink.answer_next(_redirect(status, second_sink))

    summary = _send(_event([user], channel="push", key=f"push-redirect-{status}"))

    assert (summary.sent, summary.failed) == (0, 1)
    assert len(http_sink.received()) == 1
    assert second_sink.received() == []
    delivery = user.notification_deliveries.get()
    assert delivery.status == "failed"  # a redirect is not "busy": no retry
    assert f"{status}" in delivery.last_error
    assert "redirect" in delivery.last_error


# --- Sending: SMS gateway ---------------------------------------------------------------


@pytest.fixture
def gateway(settings, http_sink):
    settings.NOTIFICATIONS_SMS_BACKEND = "http"
    settings.NOTIFICATIONS_SMS_GATEWAY_URL = f"{http_sink.url}/v1/messages"
    settings.NOTIFICATIONS_SMS_GATEWAY_TOKEN = "gateway-secret"
    return http_sink


@pytest.mark.django_db(transaction=True)
def test_sms_gateway_on_a_private_address_is_refused_for_codes_and_deliveries(
    settings, gateway, broker
):
    settings.OUTBOUND_ALLOW_LOOPBACK = False
    port = gateway.server.server_address[1]
    settings.NOTIFICATIONS_SMS_GATEWAY_URL = f"http://localhost:{port}/v1/messages"
    user, other = users_create(2)
    PhoneNumber.objects.create(user=other, number="+3545550001", verified_at=timezone.now())

    with pytest.raises(ValidationError, match="could not send"):
        phone_number_start(user=user, number="+3545551234")
    summary = _send(_event([other], channel="sms", key="sms-private"))

    assert gateway.received() == []
    assert (summary.sent, summary.failed) == (0, 1)
    assert "not a public address" in other.notification_deliveries.get().last_error


@pytest.mark.django_db(transaction=True)
def test_sms_gateway_redirect_is_not_followed(settings, gateway, second_sink, broker):
    user = users_create(1)[0]
    PhoneNumber.objects.create(user=user, number="+3545550001", verified_at=timezone.now())
    gateway.answer_next(_redirect(307, second_sink))

    summary = _send(_event([user], channel="sms", key="sms-redirect"))

    assert (summary.sent, summary.failed) == (0, 1)
    assert second_sink.received() == []
    assert "redirect" in user.notification_deliveries.get().last_error


# --- Sending: Mastodon ------------------------------------------------------------------


@pytest.fixture
def mastodon(settings, http_sink):
    settings.NOTIFICATIONS_SOCIAL_BACKENDS = ["mastodon"]
    settings.NOTIFICATIONS_MASTODON_URL = http_sink.url
    settings.NOTIFICATIONS_MASTODON_TOKEN = "mastodon-token"
    return http_sink


@pytest.mark.django_db(transaction=True)
def test_mastodon_on_a_private_address_is_refused(settings, mastodon, broker):
    settings.OUTBOUND_ALLOW_LOOPBACK = False
    settings.NOTIFICATIONS_MASTODON_URL = f"http://localhost:{mastodon.server.server_address[1]}"
    event = _event([], channel="social", key="social-private", broadcasts=social_broadcasts())

    summary = _send(event)

    assert (summary.sent, summary.failed) == (0, 1)
    assert mastodon.received() == []
    assert "not a public address" in event.deliveries.get().last_error


@pytest.mark.django_db(transaction=True)
def test_mastodon_redirect_is_not_followed(mastodon, second_sink, broker):
    mastodon.answer_next(_redirect(308, second_sink))
    event = _event([], channel="social", key="social-redirect", broadcasts=social_broadcasts())

    summary = _send(event)

    assert (summary.sent, summary.failed) == (0, 1)
    assert second_sink.received() == []
    assert "redirect" in event.deliveries.get().last_error


# --- The guard itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "127.8.8.8",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104  (an address refused, not one bound)
        "100.64.0.1",  # carrier-grade NAT
        "192.0.0.8",
        "198.18.0.1",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:10.1.2.3",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:a01:203::1",  # 6to4 for 10.1.2.3
        "64:ff9b::a01:203",  # NAT64 for 10.1.2.3
        "2001:db8::1",
    ],
)
def test_guard_refuses_private_loopback_link_local_multicast_reserved_addresses(address):
    from civicportal.kernel.outbound import address_allowed

    assert not address_allowed(ipaddress.ip_address(address), allow_loopback=False)


@pytest.mark.parametrize("address", ["93.184.215.14", "142.250.74.106", "2a00:1450:4001::200a"])
def test_guard_lets_public_addresses_through(address):
    from civicportal.kernel.outbound import address_allowed

    assert address_allowed(ipaddress.ip_address(address), allow_loopback=False)


def test_loopback_permission_opens_loopback_only():
    from civicportal.kernel.outbound import address_allowed

    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        assert address_allowed(ipaddress.ip_address(address), allow_loopback=True)
    for address in ("10.1.2.3", "169.254.169.254", "fe80::1"):
        assert not address_allowed(ipaddress.ip_address(address), allow_loopback=True)


def test_loopback_is_refused_unless_the_setting_allows_it():
    from django.conf import settings

    assert settings.OUTBOUND_ALLOW_LOOPBACK is False


def test_a_name_with_any_private_address_is_refused_before_connecting(monkeypatch, settings):
    """DNS lies outside the machine: its answer is stood in for by the resolver hook."""
    from civicportal.kernel import outbound

    settings.OUTBOUND_ALLOW_LOOPBACK = False
    answers = {"mixed.example.test": ["93.184.215.14", "10.1.2.3"]}
    monkeypatch.setattr(outbound, "resolve", lambda host, port: answers[host])

    with outbound.outbound_session() as session, pytest.raises(outbound.OutboundRefused) as refused:
        session.post("http://mixed.example.test/hook", timeout=2)
    assert "10.1.2.3" in str(refused.value)


def test_the_session_never_follows_a_redirect(settings, http_sink, second_sink):
    from civicportal.kernel.outbound import outbound_session

    http_sink.answer_next(_redirect(302, second_sink))
    with outbound_session() as session:
        response = session.post(f"{http_sink.url}/a", data=b"x", allow_redirects=True, timeout=5)
    assert response.status_code == 302
    assert second_sink.received() == []


def _tls_files(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_sink(settings, tmp_path):
    """An HTTPS sink on loopback whose certificate names localhost; and the certificate."""
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    cert_path, key_path = _tls_files(tmp_path)
    sink = HttpSink()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    sink.server.socket = context.wrap_socket(sink.server.socket, server_side=True)
    sink.start()
    yield sink, cert_path
    sink.stop()


def test_https_to_the_checked_address_still_verifies_the_certificate_for_the_name(tls_sink):
    """Connecting to the address the guard checked keeps SNI, the certificate check and
    the Host header on the name."""
    from civicportal.kernel.outbound import outbound_session

    sink, cert_path = tls_sink
    port = sink.server.server_address[1]
    with outbound_session() as session:
        response = session.post(
            f"https://localhost:{port}/tls", data=b"x", verify=str(cert_path), timeout=5
        )
        assert response.status_code == 201
        [request] = sink.received()
        assert request.headers["host"] == f"localhost:{port}"
        # The same address under a name the certificate does not carry is refused.
        with pytest.raises(Exception, match=r"certificate|hostname|match"):
            session.post(
                f"https://127.0.0.1:{port}/tls", data=b"x", verify=str(cert_path), timeout=5
            )


# --- The same guard for many requests in flight (civicportal/kernel/outbound_async.py) --


def _post_async(url: str, *, allowed_hosts=None, **client_options):
    """One POST through a fresh ``OutboundClient`` on a loop of its own."""
    import asyncio

    from civicportal.kernel.outbound_async import OutboundClient

    async def main():
        async with OutboundClient(
            urls=[url], allowed_hosts=allowed_hosts, **client_options
        ) as client:
            return await client.post(url, data=b"x", headers={}, timeout=5)

    return asyncio.run(main())


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.1.2.3]/hook",
        "http://127.0.0.1:9/hook",  # loopback, with OUTBOUND_ALLOW_LOOPBACK off
    ],
)
def test_async_client_refuses_private_address_literals_before_connecting(settings, url):
    from civicportal.kernel.outbound import OutboundRefused

    settings.OUTBOUND_ALLOW_LOOPBACK = False
    with pytest.raises(OutboundRefused, match="not a public address"):
        _post_async(url)


def test_async_client_refuses_a_name_with_any_private_address(monkeypatch, settings):
    from civicportal.kernel import outbound

    settings.OUTBOUND_ALLOW_LOOPBACK = False
    answers = {"mixed.example.test": ["93.184.215.14", "10.1.2.3"]}
    monkeypatch.setattr(outbound, "resolve", lambda host, port: answers[host])

    with pytest.raises(outbound.OutboundRefused) as refused:
        _post_async("http://mixed.example.test/hook")
    assert "10.1.2.3" in str(refused.value)


def test_async_client_refuses_a_host_off_the_allowed_list(settings, http_sink):
    from civicportal.kernel.outbound import OutboundRefused

    with pytest.raises(OutboundRefused, match="not one of the hosts allowed"):
        _post_async(f"{http_sink.url}/hook", allowed_hosts=["fcm.googleapis.com"])
    assert http_sink.received() == []


def test_async_client_connects_to_the_address_it_checked_with_the_name_kept(
    monkeypatch, settings, http_sink
):
    """The connection goes where the guard's resolver said, the Host header keeps the name."""
    from civicportal.kernel import outbound

    port = http_sink.server.server_address[1]
    asked: list[str] = []

    def resolve(host, port):
        asked.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(outbound, "resolve", resolve)

    answer = _post_async(
        f"http://push.example.test:{port}/pinned", allowed_hosts=["*.example.test"]
    )

    assert answer.status_code == 201
    assert asked == ["push.example.test"]
    [request] = http_sink.received()
    assert (request.path, request.headers["host"]) == ("/pinned", f"push.example.test:{port}")


def test_async_client_never_follows_a_redirect(settings, http_sink, second_sink):
    http_sink.answer_next(_redirect(307, second_sink))

    answer = _post_async(f"{http_sink.url}/a")

    assert answer.status_code == 307
    assert answer.headers["Location"] == f"{second_sink.url}/stolen"
    assert second_sink.received() == []


def test_async_client_reports_a_closed_port_as_unreachable_not_refused(settings):
    from civicportal.kernel.outbound_async import OutboundUnreachable

    settings.OUTBOUND_ALLOW_LOOPBACK = True
    with socket_closed_port() as port, pytest.raises(OutboundUnreachable):
        _post_async(f"http://127.0.0.1:{port}/nobody")


def test_async_client_https_verifies_the_certificate_for_the_name(monkeypatch, tls_sink):
    sink, cert_path = tls_sink
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    port = sink.server.server_address[1]
    answer = _post_async(f"https://localhost:{port}/tls")
    assert answer.status_code == 201
    [request] = sink.received()
    assert request.headers["host"] == f"localhost:{port}"
    # The same address under a name the certificate does not carry is refused.
    from civicportal.kernel.outbound_async import OutboundUnreachable

    with pytest.raises(OutboundUnreachable, match=r"(?i)certificate|hostname|match"):
        _post_async(f"https://127.0.0.1:{port}/tls")
    assert len(sink.received()) == 1


@contextlib.contextmanager
def socket_closed_port():
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield port
