"""Alerts for people without an account: the alert topic's hooks for the notification
engine's subscribers (``civicportal.notifications.services.subscribers``).

A sign-up's choices are ``{"areas": [area ids], "min_severity": rank, "receive_tests":
bool}``. The engine keeps them waiting until the address is confirmed, then calls
``anonymous_subscription_apply``, which writes the subscriber's one ``AlertSubscription``
(the same row residents have, so the fan-out selects both alike); its channel is the
address's own. Leaving deletes the subscriber, and this row with it (cascade).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import AlertSubscription, SeverityRank
from civicportal.accounts.models import Area
from civicportal.notifications.models import ChannelName, Subscriber


def anonymous_choices(*, areas: list[Area], min_severity: int, receive_tests: bool) -> dict:
    """The choices of a sign-up form, as the engine keeps them (JSON)."""
    return {
        "areas": sorted(area.pk for area in areas),
        "min_severity": int(min_severity),
        "receive_tests": bool(receive_tests),
    }


def _read(choices: dict[str, Any]) -> tuple[list[int], int, bool]:
    """The choices checked; raises ``ValidationError`` for anything else."""
    areas = choices.get("areas", [])
    severity = choices.get("min_severity")
    tests = choices.get("receive_tests", False)
    if (
        not isinstance(areas, list)
        or not all(type(pk) is int for pk in areas)
        or type(severity) is not int
        or severity not in SeverityRank.values
        or not isinstance(tests, bool)
    ):
        raise ValidationError(_("Choose areas and which alerts from the lists."))
    return areas, severity, tests


def anonymous_subscription_apply(subscriber: Subscriber, choices: dict[str, Any]) -> None:
    """Store a confirmed subscriber's choices: an upsert of their one subscription.

    Areas deleted since the sign-up are left out. Runs in the engine's confirming
    transaction, with the subscriber's row locked.
    """
    area_ids, severity, tests = _read(choices)
    subscription, _created = AlertSubscription.objects.update_or_create(
        subscriber=subscriber,
        defaults={
            "min_severity": severity,
            "by_email": subscriber.channel == ChannelName.EMAIL,
            "by_push": False,
            "by_sms": subscriber.channel == ChannelName.SMS,
            "receive_tests": tests,
            "updated_at": timezone.now(),
        },
    )
    subscription.areas.set(Area.objects.filter(pk__in=area_ids))


def anonymous_subscription_current(subscriber: Subscriber) -> dict[str, Any] | None:
    subscription = (
        AlertSubscription.objects.filter(subscriber=subscriber).prefetch_related("areas").first()
    )
    if subscription is None:
        return None
    return anonymous_choices(
        areas=list(subscription.areas.all()),
        min_severity=subscription.min_severity,
        receive_tests=subscription.receive_tests,
    )


def anonymous_choices_describe(choices: dict[str, Any]) -> list[str]:
    """The choices in words: where, which alerts, exercises."""
    area_ids, severity, tests = _read(choices)
    names = list(
        Area.objects.filter(pk__in=area_ids).order_by("name").values_list("name", flat=True)
    )
    lines = [
        _("Where: %(areas)s") % {"areas": ", ".join(names)}
        if names
        else _("Where: anywhere in the council area"),
        _("Which alerts: %(severity)s") % {"severity": SeverityRank(severity).label},
    ]
    if tests:
        lines.append(_("Also exercises and test messages (always marked EXERCISE)"))
    return lines
