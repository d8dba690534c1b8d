"""The Celery application. Configuration lives in settings (CELERY_* names), but for the
periodic jobs the modules register (``civicportal.core.periodic``)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicportal.settings")

app = Celery("civicportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
