"""Alert messages the council can announce on its social accounts: published ones, never
an exercise; a post about one needs an alert approver too (the registry is
civicportal/core/shareables.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from civicportal.core.shareables import Source, SourceItem, one_line, register, short


def alert_thread(alert_id: int) -> str:
    """The thread of an alert's posts; the alert's own cross-posts use the same one."""
    return f"alerts.alert.{alert_id}"


def _published_messages():
    from alerts.models import Alert, AlertMessage

    # Alert.objects.public(): real alerts published at least once (never an exercise).
    return AlertMessage.objects.filter(
        state=AlertMessage.State.PUBLISHED, alert__in=Alert.objects.public()
    ).select_related("alert")


def _message_item(message) -> SourceItem:
    words = one_line(f"{message.headline}. {message.instruction}")
    return SourceItem(
        kind="alerts.message",
        pk=message.pk,
        title=message.headline,
        url=message.alert.get_absolute_url(),
        description=short(message.description),
        text=words,
        when=message.approved_at or message.sent,
        thread=alert_thread(message.alert_id),
    )


def _message_recent(limit: int) -> list[SourceItem]:
    rows = _published_messages().order_by("-approved_at", "-pk")[:limit]
    return [_message_item(message) for message in rows]


def _message_get(pk: int) -> SourceItem | None:
    message = _published_messages().filter(pk=pk).first()
    return _message_item(message) if message else None


def register_shareables() -> None:
    """Called from the app's ``ready()``."""
    register(
        Source(
            kind="alerts.message",
            label=gettext_lazy("An alert message"),
            recent=_message_recent,
            get=_message_get,
            approval_permission="alerts.approve_alert",
            order=50,
        )
    )
