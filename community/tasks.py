"""Community life's Celery tasks, one module per part (found by Celery's autodiscovery)."""

from community.tasks_events import event_reminders_send_task  # noqa: F401
