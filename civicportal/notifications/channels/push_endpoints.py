"""Which push endpoints the portal sends to: browsers' push services on
``NOTIFICATIONS_PUSH_HOSTS``, nothing else.

A subscription's endpoint is whatever the browser (or anyone posting JSON) says, so it is
checked when it is saved (``push_endpoint_check``, a clear message for the person) and again
when a message goes out (``push_endpoint_problem``, a reason for the delivery's log), since
rows may predate the list or the list may have been narrowed. The connection itself goes
through the outbound guard (civicportal/kernel/outbound.py), which also holds the list.

Kept apart from ``channels.push``: that module loads pywebpush (and aiohttp), which the
subscribe page does not need.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civicportal.kernel.outbound import address_allowed, host_allowed


def push_endpoint_problem(endpoint: str) -> str:
    """Why the portal will not send to ``endpoint`` (English, for the log); "" if it will."""
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
    except ValueError:
        return "the endpoint is not a URL"
    schemes = {"https", "http"} if settings.NOTIFICATIONS_PUSH_ALLOW_HTTP else {"https"}
    if parts.scheme not in schemes:
        return f"the endpoint's scheme {parts.scheme!r} is not https"
    if parts.username is not None or parts.password is not None or "\\" in parts.netloc:
        return "the endpoint carries a user name or password"
    if not host_allowed(host, settings.NOTIFICATIONS_PUSH_HOSTS):
        return f"{host or 'the endpoint'} is not one of NOTIFICATIONS_PUSH_HOSTS"
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return ""
    if not address_allowed(literal, allow_loopback=settings.OUTBOUND_ALLOW_LOOPBACK):
        return f"{host} is not a public address"
    return ""


def push_endpoint_check(endpoint: str) -> None:
    """Raise ``ValidationError`` unless ``endpoint`` is on a push service we send through."""
    problem = push_endpoint_problem(endpoint)
    if not problem:
        return
    try:
        parts = urlsplit(endpoint)
        host, scheme = parts.hostname, parts.scheme
    except ValueError:  # "https://[::1": not a URL at all
        host, scheme = None, ""
    schemes = {"https", "http"} if settings.NOTIFICATIONS_PUSH_ALLOW_HTTP else {"https"}
    if not host or scheme not in schemes:
        raise ValidationError(
            _("The browser gave a push address that is not a secure web address."),
            code="endpoint",
        )
    raise ValidationError(
        _(
            "Notifications cannot be sent through this browser's push service (%(host)s). "
            "Try another browser, or choose email or text messages instead."
        )
        % {"host": host},
        code="endpoint_host",
    )
