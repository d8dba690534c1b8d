"""The outbox services against PostgreSQL: claiming deliveries, each by one worker."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from civicportal.notifications.models import Delivery
from civicportal.notifications.services import deliveries_claim, deliveries_send
from tests.notifications.factories import deliveries_create, users_create


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_give_each_row_to_exactly_one_claimant():
    ids = deliveries_create(users_create(60))
    claimants = 6
    barrier = threading.Barrier(claimants)
    claimed: list[list[int]] = []
    errors: list[BaseException] = []

    def claim() -> None:
        try:
            barrier.wait(timeout=10)
            _token, rows = deliveries_claim(delivery_ids=ids)
            claimed.append([row.pk for row in rows])
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(claimants)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    everything = [delivery_id for batch in claimed for delivery_id in batch]
    assert sorted(everything) == ids  # every row claimed, and none twice
    assert Delivery.objects.filter(status="sending", attempts=1).count() == 60


@pytest.mark.django_db(transaction=True)
def test_a_row_claimed_by_one_worker_is_not_claimed_by_another():
    [delivery_id] = deliveries_create(users_create(1))

    def claim(barrier: threading.Barrier, wins: list[int]) -> None:
        try:
            barrier.wait(timeout=10)
            wins.append(len(deliveries_claim(delivery_ids=[delivery_id])[1]))
        finally:
            connections.close_all()

    for _ in range(10):
        Delivery.objects.filter(pk=delivery_id).update(status="pending", claim_token=None)
        barrier, wins = threading.Barrier(2), []
        threads = [threading.Thread(target=claim, args=(barrier, wins)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(wins) == [0, 1]


@pytest.mark.django_db
def test_deliveries_send_refuses_to_run_inside_a_transaction():
    with pytest.raises(RuntimeError, match="outside a transaction"):
        deliveries_send(delivery_ids=[1])
