"""Test data for alerts: staff in each role, message contents, alerts in each state."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from alerts import services
from alerts.models import Alert, AlertSubscription, CapStatus
from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
from tests.accounts.factories import AreaFactory, StaffFactory, UserFactory

# A square of about 2 x 2 km, GeoJSON [lon, lat].
BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [[-1.94, 52.08], [-1.91, 52.08], [-1.91, 52.10], [-1.94, 52.10], [-1.94, 52.08]]
    ],
}


def author(**kwargs):
    return StaffFactory(role=ALERT_AUTHOR, mfa=True, **kwargs)


def approver(**kwargs):
    return StaffFactory(role=ALERT_APPROVER, mfa=True, **kwargs)


def area(**kwargs):
    kwargs.setdefault("boundary", BOUNDARY)
    return AreaFactory(**kwargs)


def content(**fields) -> services.MessageContent:
    defaults = {
        "category": "Met",
        "event": "Flood",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "response_type": "Avoid",
        "headline": "Flooding on Quay Street",
        "description": "The river burst its banks at the marina.",
        "instruction": "Stay away from the riverside.",
        "expires": timezone.now() + timedelta(hours=6),
    }
    defaults.update(fields)
    if not defaults.get("areas") and not defaults.get("polygons") and not defaults.get("circles"):
        defaults["areas"] = [area()]
    return services.MessageContent(**defaults)


def draft(*, by=None, status=CapStatus.ACTUAL, **fields) -> Alert:
    return services.alert_draft_create(
        actor=by or author(), content=content(**fields), status=status
    )


def pending(*, by=None, **fields) -> Alert:
    by = by or author()
    alert = draft(by=by, **fields)
    services.alert_submit_for_approval(actor=by, message=alert.messages.get())
    return alert


def published(*, by=None, approved_by=None, **fields) -> Alert:
    by = by or author()
    alert = pending(by=by, **fields)
    message = alert.messages.get()
    services.alert_approve(
        actor=approved_by or approver(), message=message, version=services.message_version(message)
    )
    alert.refresh_from_db()
    return alert


def subscriber(*, areas=(), min_severity=1, tests=False, **user_fields):
    user = UserFactory(**user_fields)
    subscription = AlertSubscription.objects.create(
        user=user, min_severity=min_severity, receive_tests=tests, by_email=True
    )
    subscription.areas.set(areas)
    return user


def alert_form_data(where, **extra) -> dict:
    """What an alert author posts on the draft form: a gas-leak alert for ``where``."""
    expires = (timezone.localtime() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "status": "Actual", "headline": "Gas leak on Mill Lane", "event": "Gas leak",
        "category": "Safety", "severity": "Extreme", "urgency": "Immediate",
        "certainty": "Observed", "response_type": "Evacuate",
        "instruction": "Leave the area now.", "description": "A gas main broke.",
        "areas": [where.pk], "expires": expires,
    }  # fmt: skip
    data.update(extra)
    return data
