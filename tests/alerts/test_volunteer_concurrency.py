"""Fifty volunteers accept ten places at once: real threads, each with its own PostgreSQL
connection, through the service (its row lock and the database's check constraint)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from alerts.models import CallOut, CallOutResponse
from alerts.services import volunteers as services
from tests.alerts.volunteer_factories import callout, volunteer


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_accepts_for_ten_places_give_exactly_ten():
    posted = callout(needed=10)
    people = [volunteer() for _ in range(50)]
    barrier = threading.Barrier(50)
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def accept(user) -> None:
        try:
            barrier.wait()
            services.callout_respond(actor=user, callout=posted, answer="accepted")
        except ValidationError as error:
            with lock:
                refused.append(" ".join(error.messages))
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    posted.refresh_from_db()
    assert posted.accepted_count == 10
    assert CallOutResponse.objects.filter(callout=posted, answer="accepted").count() == 10
    assert len(refused) == 40
    assert set(refused) == {"Thank you, but all 10 places are already taken."}
    assert CallOut.objects.get(pk=posted.pk).places_left == 0
