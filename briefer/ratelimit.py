"""Requests-per-minute and tokens-per-minute limits, and the retry delay schedule."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from email.utils import parsedate_to_datetime

WINDOW = 60.0


class RateLimiter:
    """Sliding one-minute window over requests and tokens; ``acquire`` waits for room."""

    def __init__(
        self,
        requests_per_minute: int = 0,
        tokens_per_minute: int = 0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rpm = requests_per_minute
        self.tpm = tokens_per_minute
        self.clock = clock
        self.sleep = sleep
        self._events: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def acquire(self, tokens: int) -> None:
        if not self.rpm and not self.tpm:
            return
        while True:
            with self._lock:
                now = self.clock()
                while self._events and now - self._events[0][0] >= WINDOW:
                    self._events.popleft()
                used = sum(t for _, t in self._events)
                fits_requests = not self.rpm or len(self._events) < self.rpm
                # A request larger than the whole budget still goes, alone in its window.
                fits_tokens = not self.tpm or used + tokens <= self.tpm or not self._events
                if fits_requests and fits_tokens:
                    self._events.append((now, tokens))
                    return
                wait = WINDOW - (now - self._events[0][0])
            self.sleep(max(wait, 0.01))


def retry_after(headers: object) -> float | None:
    """Seconds the server asked us to wait (Retry-After or retry-after-ms), if it said."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    ms = get("retry-after-ms")
    if ms:
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def backoff_delay(
    attempt: int, base: float, cap: float, *, rng: random.Random | None = None
) -> float:
    """Exponential backoff with equal jitter: uniform in [c/2, c], c = min(cap, base*2^attempt)."""
    ceiling = min(cap, base * (2**attempt))
    return (rng or random).uniform(ceiling / 2, ceiling)
