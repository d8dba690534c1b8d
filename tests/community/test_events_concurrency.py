"""Sign-ups racing for places, on PostgreSQL with real threads: the row lock and the
database's constraints keep the cap and the one-per-resident rule."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from community.models import EventSignup
from community.services import events as services
from tests.community.factories_events import event, residents

pytestmark = pytest.mark.django_db(transaction=True)


def _all_at_once(work, arguments) -> list[Exception]:
    barrier = threading.Barrier(len(arguments))
    errors: list[Exception] = []

    def run(argument):
        try:
            barrier.wait()
            work(argument)
        except Exception as error:  # the test reports whatever went wrong
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_fifty_simultaneous_sign_ups_for_ten_places_give_ten_confirmed_forty_waiting():
    made = event(capacity=10)
    people = residents(50)
    errors = _all_at_once(lambda p: services.signup_create(actor=p, event=made.pk), people)
    assert errors == []
    statuses = list(EventSignup.objects.filter(event=made).values_list("status", flat=True))
    assert statuses.count("confirmed") == 10
    assert statuses.count("waiting") == 40
    made.refresh_from_db()
    assert made.confirmed_count == 10


def test_one_residents_double_clicks_leave_one_sign_up():
    made = event(capacity=10)
    (person,) = residents(1)
    errors = _all_at_once(lambda _: services.signup_create(actor=person, event=made.pk), range(8))
    assert errors == []
    assert EventSignup.objects.filter(event=made, user=person).count() == 1


def test_simultaneous_cancellations_promote_exactly_as_many_as_left():
    made = event(capacity=5)
    people = residents(10)
    for person in people:
        services.signup_create(actor=person, event=made)
    leaving = people[:3]
    errors = _all_at_once(lambda p: services.signup_cancel(actor=p, event=made.pk), leaving)
    assert errors == []
    confirmed = EventSignup.objects.filter(event=made, status="confirmed")
    assert set(confirmed.values_list("user_id", flat=True)) == {p.pk for p in people[3:8]}
    made.refresh_from_db()
    assert made.confirmed_count == 5
