"""Outbound HTTP to places that others name: one guard for every request the portal makes.

A browser names its own push endpoint (so anyone can), and settings name the SMS gateway
and the Mastodon server. Sent as they are, such requests could reach what only the
portal's machine can reach: 127.0.0.1, the council's private network, a cloud's metadata
service at 169.254.169.254 (server-side request forgery). So every outbound request goes
through a session from ``outbound_session()``:

- The host is resolved and the request refused (``OutboundRefused``) when *any* of its
  addresses is not public: private, loopback, link-local, multicast, reserved,
  unspecified, shared (carrier-grade NAT), documentation, or an IPv4 address of those
  kinds carried in IPv6 (mapped, 6to4, NAT64). ``OUTBOUND_ALLOW_LOOPBACK`` lets loopback
  through, for test servers on 127.0.0.1; it is off unless set.
- The connection goes to the address that was checked, while TLS (SNI and the
  certificate check) and the ``Host`` header keep the name: a DNS answer that changes
  between the check and the connect (DNS rebinding) cannot slip another address in.
- ``allowed_hosts`` narrows the hosts further (exact names, or ``*.example.com`` for the
  names under it), checked on the very host the connection is made for.
- Redirects are never followed, whatever the caller asks: a 3xx comes back as it is, and
  the caller counts it as a failure.

Through a proxy (``HTTPS_PROXY`` and friends, read from the environment as requests
does) the proxy connects, not us: the guard checks what it can see (an address literal,
or a name our resolver answers) and leaves the rest to the proxy, which is the operator's
and the right place for an egress policy.

The way of pinning the checked address (in urllib3's pool key, with ``server_hostname``
and ``assert_hostname`` kept on the name) is that of Saleor's requests-hardened. It is
written out here because that package checks only the first address a name resolves to,
fails names that only a proxy can resolve, and offers no resolver hook for tests.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.exceptions import InvalidURL
from requests.structures import CaseInsensitiveDict
from requests.utils import select_proxy
from urllib3.util.connection import allowed_gai_family

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not public, though some Python versions' is_private/is_global miss them: shared address
# space (CGNAT), IETF protocol assignments, 6to4 relay anycast, benchmarking,
# documentation, SRv6, deprecated site-local.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(network)
    for network in (
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.88.99.0/24",
        "198.18.0.0/15",
        "2001::/23",
        "2001:db8::/32",
        "3fff::/20",
        "5f00::/16",
        "fec0::/10",
    )
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# How long one session reuses a name's checked address (it keeps the connection too).
_RESOLVED_SECONDS = 60.0


class OutboundRefused(requests.RequestException):
    """The guard will not connect there: not a public address, or a host not allowed.

    A ``RequestException``, so code that only knows requests still stops; channels catch
    it first and fail the message for good (trying again would not change the answer).
    """


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_allowed(address: IPAddress, *, allow_loopback: bool = False) -> bool:
    """Whether the portal may connect to ``address``: public unicast only (plus loopback
    when ``allow_loopback``)."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        return address_allowed(inner, allow_loopback=allow_loopback)
    if address.is_loopback:
        return allow_loopback
    return not (
        address.is_private
        or not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_link_local
        or address.is_unspecified
        or any(address in network for network in _NOT_PUBLIC)
    )


def address_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """``host`` is one of ``patterns``: an exact name (or address), or ``*.example.com``
    for any name under example.com (not example.com itself). Case and a final dot aside."""
    host = (host or "").lower().rstrip(".")
    if not host:
        return False
    for pattern in patterns:
        pattern = pattern.strip().lower().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif pattern and host == pattern:
            return True
    return False


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order (the hook tests replace
    to stand in for DNS, which lies outside the machine)."""
    found = socket.getaddrinfo(host, port, family=allowed_gai_family(), type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for family, _type, _proto, _name, sockaddr in found:
        if family in (socket.AF_INET, socket.AF_INET6) and sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


def check_addresses(host: str, addresses: list[str], *, allow_loopback: bool) -> None:
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not address_allowed(address, allow_loopback=allow_loopback):
            shown = host if host == text else f"{host} resolves to {text}, which"
            raise OutboundRefused(f"{shown} is not a public address: refused to connect")


def checked_address(host: str, port: int, *, allow_loopback: bool) -> str:
    """The address to connect to for ``host``: the first it resolves to, once every one
    of them has passed ``address_allowed``. Raises ``OutboundRefused``, or
    ``requests.ConnectionError`` when the name does not resolve (DNS may come back)."""
    literal = address_literal(host)
    if literal is not None:
        check_addresses(host, [str(literal)], allow_loopback=allow_loopback)
        return str(literal)
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise requests.ConnectionError(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise requests.ConnectionError(f"{host} has no address")
    check_addresses(host, addresses, allow_loopback=allow_loopback)
    return addresses[0]


def check_through_proxy(host: str, port: int, *, allow_loopback: bool) -> None:
    """Refuse what we can see is not public; a name we cannot resolve is the proxy's."""
    literal = address_literal(host)
    if literal is not None:
        check_addresses(host, [str(literal)], allow_loopback=allow_loopback)
        return
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError):
        return
    check_addresses(host, addresses, allow_loopback=allow_loopback)


class _GuardedAdapter(HTTPAdapter):
    """Connects only to checked addresses, pinned for the connection (module docstring)."""

    def __init__(self, *, allow_loopback: bool, allowed_hosts: list[str] | None) -> None:
        self.allow_loopback = allow_loopback
        self.allowed_hosts = allowed_hosts
        self._resolved: dict[tuple[str, int], tuple[float, str]] = {}
        super().__init__()

    def _address(self, host: str, port: int) -> str:
        now = time.monotonic()
        cached = self._resolved.get((host, port))
        if cached and now - cached[0] < _RESOLVED_SECONDS:
            return cached[1]
        address = checked_address(host, port, allow_loopback=self.allow_loopback)
        self._resolved[(host, port)] = (now, address)
        return address

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        try:
            host_params, pool_kwargs = self.build_connection_pool_key_attributes(
                request, verify, cert
            )
        except ValueError as exc:
            raise InvalidURL(exc, request=request) from exc
        host = host_params.get("host") or ""
        if not host:
            raise InvalidURL("the URL has no host", request=request)
        scheme = host_params["scheme"]
        port = host_params.get("port") or (443 if scheme == "https" else 80)
        if self.allowed_hosts is not None and not host_allowed(host, self.allowed_hosts):
            raise OutboundRefused(f"{host} is not one of the hosts allowed here: refused")
        if select_proxy(request.url, proxies):
            check_through_proxy(host, port, allow_loopback=self.allow_loopback)
            return super().get_connection_with_tls_context(request, verify, proxies, cert)

        address = self._address(host, port)
        # The name stays on the request: Host header, SNI and the certificate check.
        netloc = urlsplit(request.url).netloc.rpartition("@")[2]
        request.headers = CaseInsensitiveDict(request.headers or {})
        request.headers["Host"] = netloc
        if scheme == "https":
            pool_kwargs["server_hostname"] = host
            pool_kwargs["assert_hostname"] = host
        host_params["host"] = address
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)


class OutboundSession(requests.Session):
    """A ``requests.Session`` whose requests pass the guard and never follow a redirect."""

    def __init__(
        self, *, allowed_hosts: Iterable[str] | None = None, allow_loopback: bool | None = None
    ) -> None:
        super().__init__()
        if allow_loopback is None:
            allow_loopback = settings.OUTBOUND_ALLOW_LOOPBACK
        hosts = None if allowed_hosts is None else list(allowed_hosts)
        for prefix in ("https://", "http://"):
            self.mount(prefix, _GuardedAdapter(allow_loopback=allow_loopback, allowed_hosts=hosts))

    def send(self, request, **kwargs):
        # Whatever the caller (or a library such as pywebpush) asked for.
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


def outbound_session(*, allowed_hosts: Iterable[str] | None = None) -> OutboundSession:
    """The session every outbound request uses; ``allowed_hosts`` narrows where it goes."""
    return OutboundSession(allowed_hosts=allowed_hosts)
