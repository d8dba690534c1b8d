"""The events part's periodic job."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def event_reminders_send_task() -> int:
    from community.services.events import event_reminders_send

    return event_reminders_send()
