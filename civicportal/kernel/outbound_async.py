"""The outbound guard (civicportal/kernel/outbound.py) for many requests in flight on one
event loop: what web push uses to send an alert to tens of thousands of browsers.

requests spends about 0.8 ms of CPU on each request and needs a thread for each one in
flight, and those threads take turns at the GIL; aiohttp spends about 0.2 ms and keeps any
number in flight on one thread (measured against the loopback push service of
bench/alert_fanout.py). ``OutboundClient`` keeps every promise ``OutboundSession`` makes:

- ``allowed_hosts`` is checked on the URL's host before anything is sent.
- A name is resolved through ``outbound.resolve`` (the hook the tests replace) by the
  connector's resolver, which refuses it when any of its addresses is not public and
  answers only the addresses it checked: aiohttp connects to those, while TLS (SNI and the
  certificate check) and the ``Host`` header keep the name, so DNS rebinding cannot slip
  another address in. An address literal, which aiohttp never hands to a resolver, is
  checked before the request.
- Redirects are never followed: a 3xx comes back as it is.
- ``HTTP_PROXY``, ``HTTPS_PROXY`` and ``NO_PROXY`` apply as requests applies them, read
  once per origin; through a proxy the guard checks what it can see and the proxy itself
  (the operator's) is not checked. ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` name the
  certificate authorities, as for requests.

A client is opened and closed on the loop that uses it (``async with``).
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from django.conf import settings
from requests.utils import get_environ_proxies, select_proxy

from civicportal.kernel import outbound
from civicportal.kernel.outbound import OutboundRefused, check_addresses, host_allowed

# How long the connector reuses a name's checked addresses (it keeps the connections too).
_RESOLVED_SECONDS = 60


class OutboundUnreachable(Exception):
    """No answer: the name does not resolve, the connection fails or the answer is late.
    The far side may be back soon (unlike ``OutboundRefused``)."""


@dataclass(frozen=True, slots=True)
class OutboundAnswer:
    """An answer, read in full: what the channels' ``answer_check`` reads of a response."""

    status_code: int
    headers: Mapping[str, str]  # case-insensitive, as aiohttp gives them
    text: str


class _GuardedResolver(AbstractResolver):
    """Answers only addresses that passed the guard (proxies aside: they are not checked)."""

    def __init__(self, *, allow_loopback: bool, proxy_hosts: set[str]) -> None:
        self.allow_loopback = allow_loopback
        self.proxy_hosts = proxy_hosts

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        loop = asyncio.get_running_loop()
        try:  # getaddrinfo blocks: off the loop
            addresses = await loop.run_in_executor(None, outbound.resolve, host, port)
        except (socket.gaierror, UnicodeError) as exc:
            raise OutboundUnreachable(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise OutboundUnreachable(f"{host} has no address")
        if host not in self.proxy_hosts:
            check_addresses(host, addresses, allow_loopback=self.allow_loopback)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        return None


def _proxy_for(url: str) -> str | None:
    """The proxy requests would use for ``url`` (from the environment), if any."""
    return select_proxy(url, get_environ_proxies(url))


def _ssl_context() -> ssl.SSLContext | bool:
    """The certificate authorities to trust: the environment's bundle, else the system's
    (aiohttp's default context)."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if not bundle:
        return True
    try:
        changed = os.stat(bundle).st_mtime_ns
    except OSError:
        changed = 0  # ssl names the missing file when it is loaded
    return _bundle_context(bundle, changed)


@functools.lru_cache(maxsize=4)
def _bundle_context(bundle: str, changed: int) -> ssl.SSLContext:
    # Loading a bundle costs tens of milliseconds: once per file and version, not per batch.
    return ssl.create_default_context(cafile=bundle)


class OutboundClient:
    """Guarded POSTs with up to ``limit`` connections open; ``urls`` are the ones the
    client will be asked for (their origins' proxies are read once, on opening)."""

    def __init__(
        self,
        *,
        urls: list[str],
        allowed_hosts: list[str] | None = None,
        limit: int = 8,
        allow_loopback: bool | None = None,
    ) -> None:
        if allow_loopback is None:
            allow_loopback = settings.OUTBOUND_ALLOW_LOOPBACK
        self.allow_loopback = allow_loopback
        self.allowed_hosts = allowed_hosts
        self.limit = max(limit, 1)
        self.proxies: dict[str, str | None] = {}
        for url in urls:
            origin = _origin(url)
            if origin is not None and origin not in self.proxies:
                self.proxies[origin] = _proxy_for(origin + "/")
        self.proxy_hosts = {
            urlsplit(proxy).hostname or "" for proxy in self.proxies.values() if proxy
        }
        self.seen_through_proxy: set[str] = set()
        self.session: aiohttp.ClientSession | None = None
        self.ssl = _ssl_context()

    async def __aenter__(self) -> OutboundClient:
        connector = aiohttp.TCPConnector(
            limit=self.limit,
            limit_per_host=self.limit,
            resolver=_GuardedResolver(
                allow_loopback=self.allow_loopback, proxy_hosts=self.proxy_hosts
            ),
            ttl_dns_cache=_RESOLVED_SECONDS,
        )
        self.session = aiohttp.ClientSession(
            connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
        )
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    def _check(self, url: str) -> str | None:
        """Refuse what the guard can see before connecting; the origin's proxy, if any."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            raise OutboundRefused(f"not an http(s) URL with a host: {url[:100]!r}")
        if self.allowed_hosts is not None and not host_allowed(host, self.allowed_hosts):
            raise OutboundRefused(f"{host} is not one of the hosts allowed here: refused")
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.proxies:
            self.proxies[origin] = _proxy_for(origin + "/")
        proxy = self.proxies[origin]
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if proxy:
            if origin not in self.seen_through_proxy:
                outbound.check_through_proxy(host, port, allow_loopback=self.allow_loopback)
                self.seen_through_proxy.add(origin)
        elif outbound.address_literal(host) is not None or host in self.proxy_hosts:
            # A literal never reaches the resolver; a proxy's name skips its check there.
            outbound.checked_address(host, port, allow_loopback=self.allow_loopback)
        return proxy

    async def post(
        self, url: str, *, data: bytes, headers: dict[str, str], timeout: float
    ) -> OutboundAnswer:
        """POST ``data``; the answer, whatever its status. Raises ``OutboundRefused`` (the
        guard will not connect there) or ``OutboundUnreachable`` (no answer)."""
        if self.session is None:
            raise RuntimeError("OutboundClient is used outside `async with`")
        proxy = self._check(url)
        try:
            async with self.session.post(
                url,
                data=data,
                headers=headers,
                proxy=proxy,
                allow_redirects=False,
                ssl=self.ssl,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                body = await response.read()
                return OutboundAnswer(
                    status_code=response.status,
                    headers=response.headers,
                    text=body.decode("utf-8", "replace"),
                )
        except aiohttp.ClientConnectorError as exc:
            cause = exc.os_error
            if isinstance(cause, OutboundRefused):  # the resolver refused the name
                raise cause from None
            if isinstance(cause, OutboundUnreachable):
                raise cause from None
            raise OutboundUnreachable(str(exc)) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            if isinstance(exc, OutboundRefused):
                raise
            raise OutboundUnreachable(f"{type(exc).__name__}: {exc}") from exc


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"
