"""The per-client token bucket (clock injected) and the join code's guessing arithmetic."""

from __future__ import annotations

import pytest

from trustsim.play.participatory import RateLimiter, guess_probability


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_client_gets_the_burst_then_the_refill_rate():
    clock = Clock()
    limiter = RateLimiter(capacity=5, per_minute=5, clock=clock)
    assert [limiter.allow("phone-1") for _ in range(6)] == [True] * 5 + [False]
    assert limiter.retry_after("phone-1") == pytest.approx(12.0)
    clock.t += 11.0
    assert not limiter.allow("phone-1")
    clock.t += 1.0
    assert limiter.allow("phone-1") and not limiter.allow("phone-1")
    clock.t += 3600
    assert sum(limiter.allow("phone-1") for _ in range(10)) == 5  # never more than the burst


def test_clients_are_independent_and_memory_is_bounded():
    clock = Clock()
    limiter = RateLimiter(capacity=2, per_minute=1, clock=clock, max_clients=3)
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")
    for c in ("c", "d", "e"):
        limiter.allow(c)
    assert len(limiter._buckets) == 3
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(capacity=0)


def test_the_join_code_cannot_be_guessed_within_the_rate_limit():
    # 45 bits at 5 attempts a minute: a whole day of guessing from 1 000 clients
    assert guess_probability(5, 24 * 60, clients=1000) < 1e-4
    # even the floor of 40 bits: one client for a 2-hour workshop
    assert guess_probability(5, 120, bits=40) < 1e-9
    assert guess_probability(1e9, 1e9, bits=10) == 1.0
