"""The per-minute rollups' arithmetic as tables: trailing windows, and percentiles
from histogram buckets checked against percentiles of the raw values."""

from __future__ import annotations

import math
import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain.rollups import quantile, weight

NOW = datetime(2026, 12, 7, 12, 0, 30, tzinfo=UTC)  # 30 s into the minute
M = timedelta(minutes=1)
BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600]


@pytest.mark.parametrize(
    ("minute", "window", "expected"),
    [
        (NOW.replace(second=0), M, 1.0),  # the current minute, up to now
        (NOW.replace(second=0) - M, M, 0.5),  # 11:59 is half inside (11:59:30-12:00)
        (NOW.replace(second=0) - 2 * M, M, 0.0),
        (NOW.replace(second=0) - 4 * M, 5 * M, 1.0),
        (NOW.replace(second=0) - 5 * M, 5 * M, 0.5),
        (NOW.replace(second=0) - 60 * M, 60 * M, 0.5),
        (NOW.replace(second=0) + M, M, 0.0),  # after now
    ],
)
def test_the_share_of_a_minute_a_trailing_window_counts(minute, window, expected) -> None:
    assert weight(minute, NOW, window) == pytest.approx(expected)


def test_at_the_start_of_a_minute_the_previous_minute_counts_whole() -> None:
    now = NOW.replace(second=0)
    assert weight(now, now, M) == 1.0
    assert weight(now - M, now, M) == 1.0
    assert weight(now - 2 * M, now, M) == 0.0


def _bucketed(values: list[float]) -> dict[float, float]:
    out: dict[float, float] = {}
    for v in values:
        le = next((b for b in BOUNDS if v <= b), math.inf)
        out[le] = out.get(le, 0) + 1
    return out


def _bucket_of(value: float) -> tuple[float, float]:
    lower = 0.0
    for b in BOUNDS:
        if value <= b:
            return lower, b
        lower = b
    return lower, math.inf


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("q", [0.5, 0.95, 0.99])
def test_a_percentile_from_buckets_lies_in_the_bucket_of_the_true_one(seed: int, q: float) -> None:
    rng = random.Random(seed)
    values = [rng.lognormvariate(-1, 1.5) for _ in range(2000)]
    exact = statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]
    lower, upper = _bucket_of(exact)
    estimate = quantile(_bucketed(values), q)
    assert estimate is not None
    assert lower <= estimate <= upper, (exact, estimate)


@pytest.mark.parametrize(
    ("buckets", "q", "expected"),
    [
        ({}, 0.5, None),
        ({0.1: 0}, 0.5, None),
        ({0.1: 10}, 0.5, 0.05),  # halfway through the first bucket, from 0
        ({0.1: 10, 0.25: 10}, 0.75, 0.175),  # halfway through the second
        ({0.1: 10, math.inf: 10}, 0.99, 0.1),  # the open bucket: its lower bound
        ({1: 1}, 1.0, 1.0),
    ],
)
def test_quantile_table(buckets, q, expected) -> None:
    got = quantile(buckets, q)
    assert got == (None if expected is None else pytest.approx(expected))
