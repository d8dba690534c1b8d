"""Per-channel send rates shared by every worker, through the cache (Redis in production).

``settings.NOTIFICATIONS_RATES`` gives each channel's rate in messages per second; a
channel without a rate (or with 0) is not paced. The limit is a fixed one-second window
counted with the cache's atomic ``incr`` (Redis INCR), so all worker processes on all
machines share it: no calendar second ever carries more than the rate, and nothing is sent
in a second's last ``WINDOW_END_MARGIN``, so that a message on its way does not arrive in
the next second on top of that one's full rate. A worker reserves
tokens in small blocks (a fiftieth of the rate) to spare round trips, and spends them only
inside the second that granted them.

When a far side answers 429/503, ``pause`` holds the channel for every worker until the
time it asked for.
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

from civicportal.notifications.channels.base import TransientSendError

logger = logging.getLogger(__name__)

_KEY_PREFIX = "notifications"
# Seconds at the end of each one-second window in which no token is spent: the time a
# message may take to reach the far side, which counts it by the second it arrives in.
WINDOW_END_MARGIN = 0.05


def _pause_key(channel: str) -> str:
    return f"{_KEY_PREFIX}:pause:{channel}"


def channel_pause(channel: str, seconds: float) -> None:
    """Hold ``channel`` for every worker for ``seconds`` (never shortens a longer pause)."""
    until = time.time() + seconds
    try:
        current = cache.get(_pause_key(channel))
        if current is None or current < until:
            cache.set(_pause_key(channel), until, timeout=math.ceil(seconds) + 1)
    except Exception:  # the pause is advice; the task's retry backs off anyway
        logger.warning("Could not record a pause of the %s channel", channel, exc_info=True)


class RatePacer:
    """Hands out ``rate`` sends per second of ``channel`` across all workers.

    ``acquire`` blocks until a send is allowed. If that would take longer than
    ``max_wait`` seconds (a long pause asked by the far side, or a saturated channel), it
    raises ``TransientSendError`` so that the caller puts its rows back and retries later
    instead of holding a worker.
    """

    def __init__(self, channel: str, rate: int, *, max_wait: float) -> None:
        self.channel = channel
        self.rate = max(int(rate or 0), 0)
        self.max_wait = max_wait
        self.block = max(1, self.rate // 50)
        self._window = -1
        self._tokens = 0
        self._pause_checked_at = -math.inf

    def acquire(self, count: int = 1) -> int | None:
        """Take ``count`` tokens; the calendar second (Unix time) the last one belongs to.

        None when the channel is unpaced.
        """
        if self.rate == 0:
            # Unpaced, but a far side's "hold off" still counts: look at most once a second.
            now = time.monotonic()
            if now - self._pause_checked_at >= 1:
                self._pause_checked_at = now
                self._wait_out_pause(now + self.max_wait)
            return None
        window = None
        for _ in range(count):
            window = self._take_one()
        return window

    def _take_one(self) -> int:
        deadline = time.monotonic() + self.max_wait
        while True:
            now = time.time()
            window = int(now)
            if now - window > 1 - WINDOW_END_MARGIN:
                # Too close to the end of the second: a message sent now could reach the far
                # side in the next one, on top of that second's full rate.
                time.sleep(window + 1 - now)
                continue
            if window == self._window and self._tokens > 0:
                self._tokens -= 1
                return window
            self._wait_out_pause(deadline)
            now = time.time()
            window = int(now)
            granted = self._reserve(window)
            if granted:
                self._window, self._tokens = window, granted - 1
                return window
            wait = window + 1 - time.time()
            if time.monotonic() + wait > deadline:
                raise TransientSendError(
                    f"the {self.channel} channel is at its rate of {self.rate}/s for longer "
                    f"than {self.max_wait:g} s"
                )
            time.sleep(max(wait, 0.001))

    def _reserve(self, window: int) -> int:
        """Take up to ``block`` tokens of ``window`` from the shared counter; how many."""
        key = f"{_KEY_PREFIX}:rate:{self.channel}:{window}"
        try:
            cache.add(key, 0, timeout=5)
            used = cache.incr(key, self.block)
        except ValueError:  # the key expired between add and incr: the window is over
            return 0
        except Exception as exc:
            raise TransientSendError(f"the rate limiter's cache is unavailable: {exc!r}") from exc
        before = used - self.block
        return max(0, min(self.block, self.rate - before))

    def _wait_out_pause(self, deadline: float) -> None:
        try:
            until = cache.get(_pause_key(self.channel))
        except Exception as exc:
            raise TransientSendError(f"the rate limiter's cache is unavailable: {exc!r}") from exc
        if until is None:
            return
        wait = until - time.time()
        if wait <= 0:
            return
        if time.monotonic() + wait > deadline:
            raise TransientSendError(
                f"the {self.channel} channel is paused for {wait:.1f} s more", retry_after=wait
            )
        time.sleep(wait)


def pacer_for(channel: str) -> RatePacer:
    """The pacer of ``channel`` with its configured rate (unpaced when none is set)."""
    return RatePacer(
        channel,
        settings.NOTIFICATIONS_RATES.get(channel, 0),
        max_wait=settings.NOTIFICATIONS_PACING_MAX_WAIT,
    )
