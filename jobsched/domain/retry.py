"""Retry policy: after a failed attempt, retry at when, or dead-letter and why.

``decide`` is the one place this is decided. The store calls it inside the
transaction that records the attempt, with the locked row's values; the worker
only reports what happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobsched.domain import windows
from jobsched.domain.states import AttemptOutcome

JITTER = 0.1
"""Up to this share of a backoff is added at random."""


@dataclass(frozen=True)
class RetryPolicy:
    """The deployment-wide inputs of the decision (the job's own are on the execution)."""

    max_deliveries: int
    """Claims without a result (lost, handed back) after which a run is poison."""
    jitter: float = JITTER
    rng: random.Random | None = None
    """The random source of the jitter; None: the ``random`` module's."""


@dataclass(frozen=True)
class RetryAt:
    at: datetime


@dataclass(frozen=True)
class ToDeadLetter:
    reason: str


Decision = RetryAt | ToDeadLetter


def backoff_ms(
    retry_number: int,
    initial_ms: int,
    max_ms: int,
    jitter: float = JITTER,
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


def poison(deliveries: int, max_deliveries: int) -> str | None:
    """Why a claim is poison and must not run (None: it may run). A run claimed more
    than ``max_deliveries`` times without a result keeps killing its workers."""
    if deliveries > max_deliveries:
        return f"poison: claimed {deliveries} times without finishing"
    return None


def decide(
    outcome: AttemptOutcome,
    *,
    retries_used: int,
    max_retries: int,
    retry_backoff_ms: int,
    retry_backoff_max_ms: int,
    now: datetime,
    policy: RetryPolicy,
    deliveries: int = 0,
    refused: str | None = None,
    fail_now: bool = False,
    retry_after_ms: int | None = None,
    window: windows.WindowPolicy | None = None,
) -> Decision | None:
    """What follows an attempt; None when it did not fail (nothing to retry).

    ``retries_used``: attempts that count toward ``max_retries``, this one included
    (lost and handed-back ones do not). ``deliveries``: claims of the run since its
    last deliberate retry. ``refused``: why PostgreSQL refused the attempt's result.
    A refused result or a poison run is dead-lettered whatever retries are left, and
    so is a failure the handler declared final (``fail_now``, its ``FailNow``).
    ``retry_after_ms``: the delay the handler asked for (``RetryLater``), used
    instead of the backoff (retries left permitting). ``window``: the job's windows
    and blackouts; a retry that would start outside them waits for the next opening.
    """
    if refused is not None:
        return ToDeadLetter(refused)
    if outcome not in (AttemptOutcome.FAILED, AttemptOutcome.TIMED_OUT):
        return None
    reason = poison(deliveries, policy.max_deliveries)
    if reason is not None:
        return ToDeadLetter(reason)
    if fail_now and outcome == AttemptOutcome.FAILED:
        return ToDeadLetter("the handler failed it without retries (FailNow)")
    if not should_retry(retries_used, max_retries):
        return ToDeadLetter(f"out of retries after {retries_used} attempt(s)")
    if retry_after_ms is not None:
        return _in_window(now + timedelta(milliseconds=max(retry_after_ms, 0)), window)
    delay = backoff_ms(
        retries_used - 1, retry_backoff_ms, retry_backoff_max_ms, policy.jitter, policy.rng
    )
    return _in_window(now + timedelta(milliseconds=delay), window)


def _in_window(at: datetime, window: windows.WindowPolicy | None) -> RetryAt:
    """The retry at ``at``, or at the next opening of the job's windows when ``at``
    falls outside them (none within the search horizon: at ``at``)."""
    if window is None or windows.is_open(at, window):
        return RetryAt(at)
    return RetryAt(windows.next_opening(at, window) or at)
