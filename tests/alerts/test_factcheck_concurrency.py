"""Rumour control under concurrency, with real threads on PostgreSQL: two approvers who
click at once publish a fact check once; a question answered twice at once is answered
once, and its asker is notified once."""

from __future__ import annotations

import threading

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection

from alerts.models import FactCheck, FactCheckQuestion
from alerts.services import factchecks as services
from civicportal.notifications.models import Event
from tests.alerts.factcheck_factories import editor, pending, question
from tests.alerts.factories import approver, author, published

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls) -> tuple[list, list[Exception]]:
    barrier = threading.Barrier(len(calls))
    results: list = []
    errors: list[Exception] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            results.append(call())
        except ValidationError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_two_approvers_at_once_publish_a_fact_check_once():
    fact_check = pending(by=author(), alert=published())
    version = services.factcheck_version(fact_check)
    first, second = approver(), approver()
    results, errors = _race(
        [
            lambda who=who: services.factcheck_approve(
                actor=who, fact_check=fact_check, version=version
            )
            for who in (first, second)
        ]
    )
    assert len(results) == 1 and len(errors) == 1
    assert "waiting for approval" in str(errors[0])
    fact_check.refresh_from_db()
    assert fact_check.state == FactCheck.State.PUBLISHED
    approvals = [
        entry
        for entry in LogEntry.objects.get_for_object(fact_check)
        if (entry.additional_data or {}).get("action") == "alerts.factcheck_approve"
    ]
    assert len(approvals) == 1 and approvals[0].actor_id == fact_check.approver_id


def test_a_question_answered_twice_at_once_is_answered_and_notified_once():
    asked = question()
    staff = [editor(), editor()]
    results, errors = _race(
        [
            lambda who=who, n=n: services.question_answer(
                actor=who, question=asked, answer=f"Answer {n}"
            )
            for n, who in enumerate(staff)
        ]
    )
    assert len(results) == 1 and len(errors) == 1
    asked.refresh_from_db()
    assert asked.state == FactCheckQuestion.State.ANSWERED
    assert asked.answer == results[0].answer
    assert Event.objects.filter(kind=services.ANSWER_TOPIC).count() == 1
