"""Channel pacing shared through the real Redis cache."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from civicportal.notifications.channels import TransientSendError
from civicportal.notifications.pacing import RatePacer, channel_pause


def test_pacers_in_parallel_never_exceed_the_rate_in_any_second():
    rate, per_thread, threads = 20, 25, 2
    stamps: list[float] = []
    lock = threading.Lock()

    def send() -> None:
        pacer = RatePacer("sms", rate, max_wait=10)  # one per worker, as in deliveries_send
        for _ in range(per_thread):
            # The second a token was granted in, as the shared counter saw it (a stamp taken
            # after acquire() returns could slip into the next second on a busy machine).
            window = pacer.acquire()
            with lock:
                stamps.append(window)

    workers = [threading.Thread(target=send) for _ in range(threads)]
    started = time.time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    assert len(stamps) == rate * 2 + 10
    per_second = Counter(int(stamp) for stamp in stamps)
    assert max(per_second.values()) <= rate
    assert len(per_second) >= 3  # 50 sends at 20/s span at least three calendar seconds
    assert max(stamps) + 1 - started > 1


def test_a_pause_holds_every_pacer_of_the_channel():
    channel_pause("push", 0.6)
    started = time.monotonic()
    RatePacer("push", 100, max_wait=5).acquire()
    assert time.monotonic() - started >= 0.5


def test_a_pause_longer_than_the_wait_defers_with_the_remaining_time():
    channel_pause("email", 30)
    with pytest.raises(TransientSendError) as caught:
        RatePacer("email", 0, max_wait=1).acquire()
    assert 25 < caught.value.retry_after <= 30


def test_a_saturated_channel_defers_instead_of_blocking_the_worker():
    pacer = RatePacer("social", 1, max_wait=0)
    pacer.acquire()
    with pytest.raises(TransientSendError, match="rate of 1/s"):
        pacer.acquire()
