"""A thread-safe rate limiter shared by every thread of one client.

:class:`RateLimiter` is a token bucket kept as a "next free slot" schedule (GCRA): each call to
:meth:`RateLimiter.acquire` reserves the next slot under a lock and then sleeps, outside the lock, until
its slot. With ``burst=1`` (the default) requests are at least ``(1 + margin)/rate`` seconds apart, so no
window of one second ever holds more than ``rate`` requests, however many threads share the limiter. The
small ``margin`` (2% by default) is for the server's clock: requests spaced exactly ``1/rate`` apart when
sent arrive with network jitter, and a sliding-window throttle on the server then counts ``rate + 1`` in
some second and answers 429. The clock and
the sleep function are injectable, so tests count requests per window without waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Allow at most ``rate`` requests per second on average, and at most ``burst`` back to back."""

    def __init__(self, rate: float | None, burst: int = 1, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, margin: float = 0.02):
        """``rate=None`` or ``0`` means unlimited; ``burst`` (≥ 1) is how many may go without spacing."""
        if rate is not None and rate < 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate or None
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        if margin < 0:
            raise ValueError("margin must not be negative")
        self._interval = (1.0 + margin) / self.rate if self.rate else 0.0
        self._tat = float("-inf")  # theoretical arrival time of the next request
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Reserve the next slot and return the clock time at which the caller may send (maybe now)."""
        if not self.rate:
            return self.clock()
        with self._lock:
            now = self.clock()
            # rounded to the nanosecond so that adding 1/rate many times does not drift below a full second
            tat = round(max(self._tat, now) + self._interval, 9)
            self._tat = tat
            return max(now, round(tat - self.burst * self._interval, 9))

    def acquire(self) -> float:
        """Wait for a slot; return the clock time the slot was granted for."""
        at = self.reserve()
        wait = at - self.clock()
        if wait > 0:
            self.sleep(wait)
        return at
