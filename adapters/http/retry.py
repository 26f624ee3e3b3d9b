"""The one retry policy: which failures are tried again, how long to wait, and when to give up.

:class:`RetryPolicy` holds the settings; :meth:`RetryPolicy.build` makes the tenacity ``Retrying`` once per
client. The client wraps each send with it (never each caller). Retried: every
:class:`~adapters.errors.RetriableError` (429, throttling 403, 500/502/503/504, timeouts, dropped
connections) for idempotent requests; for a request that is not idempotent (a POST not marked
``idempotent=True``) only failures where the server surely did nothing: 429 / throttling and connections
that were never opened. Waits honour ``Retry-After`` (seconds or an HTTP-date) up to ``retry_after_cap``;
a server asking for longer is not retried here (the error is raised with ``retry_after`` set, so the
engine can resume later). Otherwise waits grow exponentially with jitter. Attempts, the total time spent
waiting and the total time spent overall are bounded. Clock, sleep and randomness are injectable.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import tenacity

from adapters.errors import RetriableError

__all__ = ["NOT_SENT_CODES", "RetryPolicy"]

log = logging.getLogger("adapters.http")

NOT_SENT_CODES = frozenset({"throttled", "connect_timeout", "connect_error"})
"""Error codes after which the server surely did not act, so even a non-idempotent request may be resent."""


@dataclass
class RetryPolicy:
    """Settings of the retry policy; see the module docstring. All times in seconds."""

    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_cap: float = 120.0
    max_wait: float = 300.0
    deadline: float | None = 900.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    random: Callable[[], float] = field(default=random.random)
    on_retry: Callable[[BaseException, int, float], None] | None = None

    def backoff(self, attempt: int) -> float:
        """Wait after failed attempt number ``attempt`` (1-based) when the server gave no ``Retry-After``."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** max(0, attempt - 1)))
        return ceiling / 2 + self.random() * ceiling / 2

    def wait_for(self, exc: BaseException | None, attempt: int) -> float:
        """Seconds to wait before the next attempt; ``inf`` when the server asks for more than the cap."""
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(retry_after) if retry_after <= self.retry_after_cap else math.inf
        return self.backoff(attempt)

    def build(self) -> tenacity.Retrying:
        """Build the tenacity ``Retrying`` for this policy (once per client; callers use ``.copy(retry=…)``)."""

        def before(state: tenacity.RetryCallState) -> None:  # runs before every attempt: keep the first time
            if not hasattr(state, "mb_started"):
                state.mb_started = self.clock()  # type: ignore[attr-defined]

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            return self.wait_for(exc, state.attempt_number)

        def stop(state: tenacity.RetryCallState) -> bool:
            upcoming = state.upcoming_sleep
            if state.attempt_number >= self.max_attempts or math.isinf(upcoming):
                return True
            if state.idle_for + upcoming > self.max_wait:
                return True
            started = getattr(state, "mb_started", None)
            return bool(self.deadline is not None and started is not None
                        and self.clock() - started + upcoming > self.deadline)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            delay = state.upcoming_sleep
            log.info("retrying after %s (attempt %d, waiting %.2fs)", getattr(exc, "code", exc),
                     state.attempt_number, delay)
            if self.on_retry is not None and exc is not None:
                self.on_retry(exc, state.attempt_number, delay)

        return tenacity.Retrying(
            retry=tenacity.retry_if_exception(retry_any),
            wait=wait, stop=stop, before=before, before_sleep=before_sleep, sleep=self.sleep, reraise=True,
        )


def retry_any(exc: BaseException) -> bool:
    """Retry predicate for idempotent requests: every retriable error."""
    return isinstance(exc, RetriableError)


def retry_not_sent(exc: BaseException) -> bool:
    """Retry predicate for non-idempotent requests: only failures where nothing reached the server."""
    return isinstance(exc, RetriableError) and getattr(exc, "code", None) in NOT_SENT_CODES
