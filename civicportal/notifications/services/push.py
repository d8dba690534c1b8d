"""Residents' web push subscriptions: save one from a browser, remove one."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from civicportal.notifications.models import PushSubscription


def _b64url_bytes(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _validate(endpoint: str, p256dh: str, auth: str) -> None:
    schemes = {"https", "http"} if settings.NOTIFICATIONS_PUSH_ALLOW_HTTP else {"https"}
    parts = urlsplit(endpoint)
    if parts.scheme not in schemes or not parts.hostname or len(endpoint) > 1000:
        raise ValidationError(
            _("The browser gave a push address that is not a secure web address."),
            code="endpoint",
        )
    key = _b64url_bytes(p256dh)
    if key is None or len(key) != 65 or key[0] != 4:
        raise ValidationError(
            _("The browser gave a push key that is not a P-256 public key."), code="p256dh"
        )
    secret = _b64url_bytes(auth)
    if secret is None or len(secret) != 16:
        raise ValidationError(
            _("The browser gave a push secret that is not 16 bytes long."), code="auth"
        )


@transaction.atomic
def push_subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Store the browser's subscription for ``user`` (refreshing it if the endpoint exists).

    An endpoint belongs to one browser profile: if another account subscribed it before,
    it now belongs to ``user`` (the browser is signed in as them). Raises
    ``ValidationError`` for an endpoint that is not https (http too when
    ``NOTIFICATIONS_PUSH_ALLOW_HTTP``) or keys of the wrong shape.
    """
    endpoint, p256dh, auth = endpoint.strip(), p256dh.strip(), auth.strip()
    _validate(endpoint, p256dh, auth)
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": user_agent[:300],
        },
    )
    return subscription


def push_subscription_delete(
    *, user: User, endpoint: str = "", subscription_id: int | None = None
) -> int:
    """Remove one of ``user``'s own subscriptions (by endpoint or id); how many went."""
    subscriptions = PushSubscription.objects.filter(user=user)
    if subscription_id is not None:
        subscriptions = subscriptions.filter(pk=subscription_id)
    else:
        subscriptions = subscriptions.filter(endpoint=endpoint.strip())
    deleted, _by_model = subscriptions.delete()
    return deleted
