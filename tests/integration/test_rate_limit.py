"""The token bucket in Redis (jobsched/queue/lua/rate_limit.lua) as a table: times in,
allowed or how long to wait out. Every API instance shares one bucket per key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobsched.queue.rate_limit import RateLimiter

pytestmark = pytest.mark.also_cluster  # buckets are shared by API instances on a cluster too

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

# (ms after T0, requests made then, the wait answered to each: 0 = allowed)
TABLE = {
    "a full bucket takes a burst of the whole minute's allowance": (
        60,
        [(0, [0] * 60 + [1000])],
    ),
    "it refills steadily: one token a second at 60 a minute": (
        60,
        [(0, [0] * 60), (500, [500]), (1000, [0, 1000]), (3000, [0, 0, 1000])],
    ),
    "an idle bucket never holds more than the limit": (
        2,
        [(0, [0, 0, 30_000]), (3_600_000, [0, 0, 30_000])],
    ),
    "a refused request takes no token": (
        6,
        [(0, [0] * 6 + [10_000] * 3), (10_000, [0, 10_000])],
    ),
    "a clock behind the last request counts no refill, and takes no refill away": (
        60,
        [(5_000, [0] * 60), (4_000, [1000]), (6_000, [0, 1000])],
    ),
}


@pytest.mark.parametrize("case", TABLE, ids=list(TABLE))
def test_the_bucket(queue, key_prefix: str, case: str) -> None:
    limit, steps = TABLE[case]
    limiter = RateLimiter(queue.client, key_prefix)
    for offset_ms, waits in steps:
        now = T0 + timedelta(milliseconds=offset_ms)
        assert [limiter.take("key-1", limit, now) for _ in waits] == waits, (case, offset_ms)


def test_two_api_instances_share_one_bucket_per_key(queue, key_prefix: str) -> None:
    one, other = RateLimiter(queue.client, key_prefix), RateLimiter(queue.client, key_prefix)
    assert [one.take("a", 2, T0), other.take("a", 2, T0), one.take("a", 2, T0)] == [0, 0, 30_000]
    assert other.take("b", 2, T0) == 0, "each key has its own bucket"
