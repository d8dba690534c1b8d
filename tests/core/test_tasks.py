from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from civicportal.celery import app
from civicportal.core.services import ping_answer, session_clear_expired
from civicportal.core.tasks import ping_task, session_clear_expired_task
from tests.processes import wait_for


def make_sessions() -> tuple[Session, Session]:
    now = timezone.now()
    expired = Session.objects.create(
        session_key=uuid.uuid4().hex, session_data="", expire_date=now - timedelta(days=1)
    )
    live = Session.objects.create(
        session_key=uuid.uuid4().hex, session_data="", expire_date=now + timedelta(days=1)
    )
    return expired, live


def test_tasks_are_not_eager_in_tests(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert "core-clear-expired-sessions" in schedule
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"beat entry {name!r} names an unknown task"


@pytest.mark.django_db
def test_session_clear_expired_is_safe_to_run_twice():
    expired, live = make_sessions()
    session_clear_expired()
    session_clear_expired()
    assert not Session.objects.filter(pk=expired.pk).exists()
    assert Session.objects.filter(pk=live.pk).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ping_runs_on_a_real_worker_through_redis(celery_worker_process):
    token = uuid.uuid4().hex
    ping_task.delay(token)
    answer = wait_for(
        lambda: ping_answer(token=token),
        timeout=20,
        message=f"The worker did not answer the ping.\n{celery_worker_process.output()[-3000:]}",
    )
    # The worker reached the test database, not the development one.
    assert answer["database"] == connection.settings_dict["NAME"]
    assert answer["token"] == token


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_expired_sessions_are_cleared_by_the_worker(celery_worker_process):
    expired, live = make_sessions()
    session_clear_expired_task.delay()
    wait_for(
        lambda: not Session.objects.filter(pk=expired.pk).exists(),
        timeout=20,
        message=f"The expired session is still there.\n{celery_worker_process.output()[-3000:]}",
    )
    assert Session.objects.filter(pk=live.pk).exists()
    assert "session_clear_expired_task" in celery_worker_process.output()
