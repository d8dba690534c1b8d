"""The Celery application. Configuration lives in settings (CELERY_* names), but for the
periodic jobs the modules register (``civicportal.core.periodic``)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicportal.settings")

app = Celery("civicportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def database_connections_returned(**kwargs) -> None:
    """Around each task, what Django does around each request: connections that are broken
    or past ``CONN_MAX_AGE`` are closed, which with the pool hands them back to it.

    (``CELERY_DB_REUSE_MAX`` keeps Celery from closing the whole pool instead; settings.py.)
    """
    from django.db import close_old_connections

    close_old_connections()


@signals.import_modules.connect(sender=app)
def beat_schedule_from_registry(**kwargs) -> None:
    """Give beat the platform's jobs and those the modules registered.

    Modules register their jobs from ``AppConfig.ready()``, so the schedule is complete only
    once Django is set up. Beat and workers (``-B`` included) import the task modules, which
    sends this signal, before their scheduler reads ``beat_schedule``; Celery's Django fixup
    sets Django up on the same signal, and is connected first (when the app is created).
    """
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from civicportal.core import periodic

    app.conf.beat_schedule = periodic.beat_schedule()
