"""The client's network address, as every per-address limit must see it.

Behind reverse proxies ``REMOTE_ADDR`` is the nearest proxy's address, the same for the
whole city; ``X-Forwarded-For`` carries the client's, but any client can send that header
too. So the address is read from the right of ``X-Forwarded-For``, skipping exactly as many
entries as there are proxies we run (``TRUSTED_PROXY_COUNT``): each trusted proxy appends
the address it saw, and what a client forged stands to the left of those. With no trusted
proxy the header is ignored.

The same setting drives allauth's sign-in limits (``ALLAUTH_TRUSTED_PROXY_COUNT``) and DRF's
throttles (``NUM_PROXIES``), so every limit counts the same address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (empty if none can be told)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    address = request.META.get("REMOTE_ADDR", "")
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""
