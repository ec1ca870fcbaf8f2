"""Retry policy: exponential backoff with a cap, plus jitter."""

from __future__ import annotations

import random


def backoff_ms(
    retry_number: int,
    initial_ms: int,
    max_ms: int,
    jitter: float = 0.1,
    rng: random.Random | None = None,
) -> int:
    """Delay before retry ``retry_number`` (0 for the first retry).

    ``min(initial * 2^retry_number, max)``, then up to ``jitter`` of it added at
    random so that a burst of failures does not retry in lockstep.
    """
    base = min(initial_ms * (2 ** max(retry_number, 0)), max_ms)
    if jitter <= 0 or base <= 0:
        return int(base)
    spread = (rng or random).random() * jitter * base
    return int(base + spread)


def should_retry(attempt: int, max_retries: int) -> bool:
    """``attempt`` counts from 1; ``max_retries`` is how many runs may follow the first."""
    return attempt <= max_retries
