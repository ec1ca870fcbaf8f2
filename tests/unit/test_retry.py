import random

import pytest

from jobsched.domain.retry import backoff_ms, should_retry


@pytest.mark.parametrize(
    ("retry_number", "expected"),
    [(0, 1000), (1, 2000), (2, 4000), (3, 8000), (4, 10_000), (10, 10_000)],
)
def test_backoff_doubles_up_to_the_cap(retry_number: int, expected: int) -> None:
    assert backoff_ms(retry_number, 1000, 10_000, jitter=0) == expected


def test_jitter_adds_at_most_its_share() -> None:
    rng = random.Random(7)
    delays = {backoff_ms(2, 1000, 60_000, jitter=0.1, rng=rng) for _ in range(200)}
    assert min(delays) >= 4000
    assert max(delays) <= 4400
    assert len(delays) > 50  # actually spread out, not one value


@pytest.mark.parametrize(
    ("attempt", "max_retries", "expected"),
    [(1, 0, False), (1, 1, True), (2, 1, False), (3, 3, True), (4, 3, False)],
)
def test_should_retry_counts_retries_after_the_first_attempt(
    attempt: int, max_retries: int, expected: bool
) -> None:
    assert should_retry(attempt, max_retries) is expected
