"""Channel backends behind one interface (``base.Channel``), looked up by channel name.

``settings.NOTIFICATIONS_CHANNELS`` maps a channel name (``email``, ``inbox``, ``push``,
``sms``, ``social``) to a backend class path; a channel that is not in the mapping is not
available, and creating a delivery on it is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from civicportal.notifications.channels.base import (
    Channel,
    Pacer,
    SendResult,
    TransientSendError,
)

__all__ = [
    "Channel",
    "Pacer",
    "SendResult",
    "TransientSendError",
    "channel_get",
    "channels_available",
    "channels_preload",
]


def channels_available() -> list[str]:
    """The channel names that have a backend configured."""
    return list(settings.NOTIFICATIONS_CHANNELS)


def channel_get(name: str) -> Channel:
    """A fresh instance of the backend configured for channel ``name``."""
    path = settings.NOTIFICATIONS_CHANNELS.get(name)
    if not path:
        raise ImproperlyConfigured(
            f"The notification channel {name!r} has no backend: add it to "
            f"NOTIFICATIONS_CHANNELS (configured: {', '.join(channels_available()) or 'none'})."
        )
    backend = import_string(path)()
    if not isinstance(backend, Channel):
        raise ImproperlyConfigured(
            f"{path} does not implement the notification Channel interface "
            "(address_for and send_batch)."
        )
    return backend


def channels_preload() -> list[str]:
    """Import and build every configured backend once; the names that could be built.

    A worker calls it before it forks its pool (``tasks.worker_preload``), so the pool
    processes inherit the imported modules (web push's cryptography among them) instead
    of each importing them when its first alert message arrives. A backend that cannot
    be built is left for the send to report, as it would be without this.
    """
    built = []
    for name in channels_available():
        try:
            channel_get(name)
        except ImproperlyConfigured:
            continue
        built.append(name)
    return built
