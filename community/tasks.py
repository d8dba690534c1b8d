"""Community life's Celery tasks, one module per part (found by Celery's autodiscovery)."""

from community.tasks_events import event_reminders_send_task  # noqa: F401
from community.tasks_hashtags import hashtag_posts_pull_task  # noqa: F401
