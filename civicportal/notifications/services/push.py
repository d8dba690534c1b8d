"""Residents' web push subscriptions: save one from a browser, remove one."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from civicportal.notifications.channels.push_endpoints import push_endpoint_check
from civicportal.notifications.models import PushSubscription


def _b64url_bytes(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _validate(endpoint: str, p256dh: str, auth: str) -> None:
    push_endpoint_check(endpoint)  # a push service on NOTIFICATIONS_PUSH_HOSTS, or refused
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


# How often a subscription is looked up again when another request saves the same endpoint
# at the same moment (its insert wins the unique constraint; this one reads it then).
_SAVE_ATTEMPTS = 3


@transaction.atomic
def push_subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Store the browser's subscription for ``user`` (refreshing it if the endpoint exists).

    An endpoint belongs to the account that subscribed it (docs/specification.md §10): if
    another account holds it, the save is refused (``ValidationError``, code ``"taken"``)
    and nothing changes, whatever keys come with it. Moving it would move that person's
    notifications, alerts included, to ``user``: to whoever learnt the address, or to the
    next person signed in at a shared computer (same browser, same keys). The holder
    keeps it until they turn notifications off, delete their account, or the browser
    drops the subscription (the push service then answers "gone" and the row goes). Its
    owner refreshing it (new keys, a new browser version) updates it in place.

    Also raises ``ValidationError`` for an endpoint that is not https (http too when
    ``NOTIFICATIONS_PUSH_ALLOW_HTTP``) or keys of the wrong shape. Locks the endpoint's
    row (``select_for_update``), so two saves of one endpoint run one after the other.
    """
    endpoint, p256dh, auth = endpoint.strip(), p256dh.strip(), auth.strip()
    _validate(endpoint, p256dh, auth)
    fields = {"p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]}
    for _attempt in range(_SAVE_ATTEMPTS):
        subscription = (
            PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        )
        if subscription is None:
            try:
                with transaction.atomic():
                    return PushSubscription.objects.create(user=user, endpoint=endpoint, **fields)
            except IntegrityError:
                continue  # saved by another request meanwhile: read it again, locked
        if subscription.user_id != user.pk:
            raise ValidationError(
                _(
                    "This browser already gets notifications for another account, so it "
                    "cannot get yours as well. To move them to this account, sign in as the "
                    "other account and turn notifications off in this browser first."
                ),
                code="taken",
            )
        changed = [name for name, value in fields.items() if getattr(subscription, name) != value]
        for name in changed:
            setattr(subscription, name, fields[name])
        if changed:
            subscription.save(update_fields=changed)
        return subscription
    raise ValidationError(
        _("The browser's subscription changed while it was being saved. Please try again."),
        code="busy",
    )


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
