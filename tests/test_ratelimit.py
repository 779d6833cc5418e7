import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from briefer.ratelimit import RateLimiter, backoff_delay, retry_after


class Clock:
    """A fake clock: sleeping advances it, so the limiter is tested without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_requests_per_minute_spreads_requests_over_the_window() -> None:
    clock = Clock()
    limiter = RateLimiter(requests_per_minute=3, clock=clock, sleep=clock.sleep)
    for _ in range(7):
        limiter.acquire(10)
    # 3 at t=0, 3 at t=60, 1 at t=120.
    assert clock.now == pytest.approx(120.0)


def test_tokens_per_minute_counts_tokens_and_lets_one_huge_request_through() -> None:
    clock = Clock()
    limiter = RateLimiter(tokens_per_minute=1000, clock=clock, sleep=clock.sleep)
    limiter.acquire(600)
    limiter.acquire(300)
    assert clock.now == 0.0
    limiter.acquire(300)  # 1200 > 1000: waits for the window to clear
    assert clock.now == pytest.approx(60.0)
    limiter.acquire(5000)  # larger than the budget: goes once the window is empty
    assert clock.now == pytest.approx(120.0)


def test_no_limits_never_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(1000):
        limiter.acquire(10**6)
    assert clock.slept == []


def test_retry_after_forms() -> None:
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"retry-after": "0.5"}) == 0.5
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    later = datetime.now(timezone.utc) + timedelta(seconds=30)
    wait = retry_after({"retry-after": format_datetime(later, usegmt=True)})
    assert wait is not None and 25 <= wait <= 30
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    for attempt in range(10):
        ceiling = min(8.0, 0.5 * 2**attempt)
        delay = backoff_delay(attempt, 0.5, 8.0, rng=rng)
        assert ceiling / 2 <= delay <= ceiling
