"""The notification engine's part of a resident's data (``civicportal.kernel.personal_data``).

Exported: every message sent to them (deliveries, the inbox among them), their
preferences, waiting digest items, push subscriptions and phone number. Erased: all of it;
the events stay (they describe what happened, not who heard of it). Registered on import,
from ``NotificationsConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

from civicportal.accounts.models import User
from civicportal.kernel import personal_data
from civicportal.notifications.models import (
    Delivery,
    DigestItem,
    NotificationPreference,
    PhoneNumber,
    PushSubscription,
)


def notifications_personal_data_export(user: User) -> dict[str, Any]:
    phone = PhoneNumber.objects.filter(user=user).first()
    return {
        "messages": [
            {
                "kind": d.event.kind,
                "channel": d.channel,
                "address": d.address,
                "status": d.status,
                "created_at": d.created_at,
                "sent_at": d.sent_at,
                "read_at": d.read_at,
            }
            for d in Delivery.objects.filter(recipient=user).select_related("event").order_by("pk")
        ],
        "preferences": [
            {
                "topic": p.topic,
                "channel": p.channel,
                "enabled": p.enabled,
                "frequency": p.frequency,
            }
            for p in NotificationPreference.objects.filter(user=user).order_by("pk")
        ],
        "digest_items_waiting": DigestItem.objects.filter(
            user=user, digest_event__isnull=True
        ).count(),
        "push_subscriptions": [
            {"browser": s.user_agent, "endpoint": s.endpoint, "created_at": s.created_at}
            for s in PushSubscription.objects.filter(user=user).order_by("pk")
        ],
        "phone_number": (
            {"number": phone.number, "verified_at": phone.verified_at} if phone else None
        ),
    }


def notifications_personal_data_erase(user: User) -> None:
    Delivery.objects.filter(recipient=user).delete()
    DigestItem.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    PushSubscription.objects.filter(user=user).delete()
    PhoneNumber.objects.filter(user=user).delete()


personal_data.register(
    "notifications",
    export=notifications_personal_data_export,
    erase=notifications_personal_data_erase,
)
