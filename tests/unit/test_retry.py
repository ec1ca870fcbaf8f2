"""The retry policy as tables: backoff, and what follows a failed attempt."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain import windows
from jobsched.domain.retry import (
    RetryAt,
    RetryPolicy,
    ToDeadLetter,
    backoff_ms,
    decide,
    poison,
    should_retry,
)
from jobsched.domain.states import AttemptOutcome


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


class Drawing(random.Random):
    """A random source that always draws ``value``."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


NOW = datetime(2026, 1, 1, tzinfo=UTC)
POLICY = RetryPolicy(max_deliveries=10, rng=Drawing(0.5))  # half the jitter is added
Out = AttemptOutcome


def after(ms: float) -> RetryAt:
    return RetryAt(NOW + timedelta(milliseconds=ms))


@pytest.mark.parametrize(
    ("outcome", "facts", "expected"),
    [
        # Nothing to decide when the attempt did not fail.
        (Out.SUCCEEDED, {}, None),
        (Out.CANCELLED, {}, None),
        # A failure with retries left: min(1000 * 2^n, 60000), plus half of 10% here.
        (Out.FAILED, {"retries_used": 1}, after(1050)),
        (Out.FAILED, {"retries_used": 2}, after(2100)),
        (Out.TIMED_OUT, {"retries_used": 3}, after(4200)),
        (Out.FAILED, {"retries_used": 3, "retry_backoff_max_ms": 3000}, after(3150)),
        (Out.FAILED, {"retries_used": 1, "retry_backoff_ms": 0}, RetryAt(NOW)),
        # Out of retries: the dead letter, saying so.
        (Out.FAILED, {"retries_used": 4}, ToDeadLetter("out of retries after 4 attempt(s)")),
        (Out.TIMED_OUT, {"retries_used": 4}, ToDeadLetter("out of retries after 4 attempt(s)")),
        (
            Out.FAILED,
            {"retries_used": 1, "max_retries": 0},
            ToDeadLetter("out of retries after 1 attempt(s)"),
        ),
        # Poison: claimed more than MAX_DELIVERIES times, whatever retries are left.
        (Out.FAILED, {"retries_used": 1, "deliveries": 10}, after(1050)),
        (
            Out.FAILED,
            {"retries_used": 1, "deliveries": 11},
            ToDeadLetter("poison: claimed 11 times without finishing"),
        ),
        # A result PostgreSQL refused: dead-lettered with the reason, whatever else.
        (Out.FAILED, {"retries_used": 1, "refused": "too big"}, ToDeadLetter("too big")),
        (Out.SUCCEEDED, {"refused": "NUL in text"}, ToDeadLetter("NUL in text")),
        # The handler said FailNow: no retry, however many are left.
        (
            Out.FAILED,
            {"retries_used": 1, "fail_now": True},
            ToDeadLetter("the handler failed it without retries (FailNow)"),
        ),
        # RetryLater(delay_ms=...): its delay instead of the backoff, retries permitting.
        (Out.FAILED, {"retries_used": 1, "retry_after_ms": 30_000}, after(30_000)),
        # ...0 (or a negative delay, clamped to 0) retries at once.
        (Out.FAILED, {"retries_used": 1, "retry_after_ms": 0}, RetryAt(NOW)),
        (Out.FAILED, {"retries_used": 1, "retry_after_ms": -5}, RetryAt(NOW)),
        (
            Out.FAILED,
            {"retries_used": 4, "retry_after_ms": 30_000},
            ToDeadLetter("out of retries after 4 attempt(s)"),
        ),
    ],
)
def test_the_retry_decision(outcome: AttemptOutcome, facts: dict, expected: object) -> None:
    values = {
        "retries_used": 1,
        "max_retries": 3,
        "retry_backoff_ms": 1000,
        "retry_backoff_max_ms": 60_000,
        **facts,
    }
    assert decide(outcome, now=NOW, policy=POLICY, **values) == expected


@pytest.mark.parametrize(
    ("draw", "jitter", "delay_ms"), [(0.0, 0.1, 2000), (0.99, 0.1, 2198), (0.99, 0.0, 2000)]
)
def test_the_jitter_comes_from_the_injected_random_source(
    draw: float, jitter: float, delay_ms: int
) -> None:
    policy = RetryPolicy(max_deliveries=10, jitter=jitter, rng=Drawing(draw))
    decision = decide(
        Out.FAILED,
        retries_used=2,
        max_retries=3,
        retry_backoff_ms=1000,
        retry_backoff_max_ms=60_000,
        now=NOW,
        policy=policy,
    )
    assert decision == after(delay_ms)


@pytest.mark.parametrize(
    ("deliveries", "max_deliveries", "reason"),
    [
        (1, 10, None),
        (10, 10, None),
        (11, 10, "poison: claimed 11 times without finishing"),
        (3, 2, "poison: claimed 3 times without finishing"),
    ],
)
def test_poison(deliveries: int, max_deliveries: int, reason: str | None) -> None:
    assert poison(deliveries, max_deliveries) == reason


def test_a_run_not_yet_claimed_is_never_poison() -> None:
    # deliveries defaults to 0 (a decision without claims, e.g. a refused result path).
    none_allowed = RetryPolicy(max_deliveries=0, rng=Drawing(0.5))
    decision = decide(
        Out.FAILED,
        retries_used=1,
        max_retries=3,
        retry_backoff_ms=1000,
        retry_backoff_max_ms=60_000,
        now=NOW,
        policy=none_allowed,
    )
    assert decision == after(1050)


OFFICE = {"windows": [{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}]}
HOUR_MS = 3_600_000


def _failed_once(window: windows.WindowPolicy, **facts: int) -> object:
    """What follows a first failed attempt with retries left, under ``window``."""
    return decide(
        Out.FAILED,
        **{"retries_used": 1, "max_retries": 3, "retry_backoff_ms": 1000, **facts},
        retry_backoff_max_ms=60_000,
        now=NOW,
        policy=POLICY,
        window=window,
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # The backoff's 1,050 ms lands at 00:00:01 on a Thursday: the office opens at 09:00.
        ({}, RetryAt(NOW.replace(hour=9))),
        ({"retry_after_ms": 0}, RetryAt(NOW.replace(hour=9))),
        # Asked for 10:00, inside the window: then.
        ({"retry_after_ms": 10 * HOUR_MS}, after(10 * HOUR_MS)),
        # Asked for 18:00 Friday: the next opening is Monday's.
        ({"retry_after_ms": (24 + 18) * HOUR_MS}, RetryAt(datetime(2026, 1, 5, 9, tzinfo=UTC))),
    ],
)
def test_a_retry_outside_the_jobs_windows_waits_for_the_next_opening(
    facts: dict, expected: RetryAt
) -> None:
    assert _failed_once(windows.policy_from_dict(OFFICE, "UTC"), **facts) == expected


def test_a_retry_whose_windows_never_open_again_keeps_its_time() -> None:
    frozen = windows.policy_from_dict(
        {
            **OFFICE,
            "blackouts": [
                {"start": "2025-12-31T00:00:00+00:00", "end": "2036-01-01T00:00:00+00:00"}
            ],
        },
        "UTC",
    )
    assert _failed_once(frozen) == after(1050)


def test_a_negative_jitter_adds_nothing() -> None:
    assert backoff_ms(1, 1000, 10_000, jitter=-0.1, rng=Drawing(0.99)) == 2000
