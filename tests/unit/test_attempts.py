"""Attempt history and final status as tables: outcome (and retry decision) -> status.

No database: that the store writes what these return is tests/integration/.
"""

from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain import attempts
from jobsched.domain.retry import RetryAt, ToDeadLetter
from jobsched.domain.states import TRANSITIONS, AttemptOutcome, ExecutionStatus

Out = AttemptOutcome
S = ExecutionStatus
NOW = datetime(2026, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(seconds=5)
RETRY = RetryAt(LATER)
DEAD = ToDeadLetter("out of retries after 4 attempt(s)")


@pytest.mark.parametrize(
    ("outcome", "decision", "status"),
    [
        (Out.SUCCEEDED, None, S.SUCCEEDED),
        (Out.CANCELLED, None, S.CANCELLED),
        (Out.FAILED, RETRY, S.RETRYING),
        (Out.FAILED, DEAD, S.FAILED),
        (Out.TIMED_OUT, RETRY, S.RETRYING),
        (Out.TIMED_OUT, DEAD, S.FAILED),
        (Out.LOST, None, S.RUNNING),  # closed when another worker claims the run again
        (Out.HANDED_BACK, None, S.QUEUED),
    ],
)
def test_the_status_an_outcome_leaves(
    outcome: AttemptOutcome, decision: object, status: ExecutionStatus
) -> None:
    assert attempts.final_status(outcome, decision) == status  # type: ignore[arg-type]
    # An attempt ends a RUNNING execution: the state machine must allow the move.
    assert status in TRANSITIONS[S.RUNNING]


@pytest.mark.parametrize("outcome", [Out.FAILED, Out.TIMED_OUT])
def test_a_failure_needs_a_retry_decision(outcome: AttemptOutcome) -> None:
    with pytest.raises(ValueError, match=f"a {outcome} attempt needs a retry decision"):
        attempts.final_status(outcome)


@pytest.mark.parametrize(
    ("outcome", "uses"),
    [
        (Out.SUCCEEDED, True),
        (Out.FAILED, True),
        (Out.TIMED_OUT, True),
        (Out.CANCELLED, True),
        (Out.LOST, False),  # the worker gave out, not the run: MAX_DELIVERIES bounds these
        (Out.HANDED_BACK, False),
    ],
)
def test_which_attempts_use_up_a_retry(outcome: AttemptOutcome, uses: bool) -> None:
    assert attempts.uses_a_retry(outcome) is uses


def attempt(number: int, outcome: str | None, worker: str = "w1") -> dict:
    closed = outcome is not None
    return {
        "number": number,
        "worker_id": worker,
        "started_at": NOW.isoformat(),
        "finished_at": NOW.isoformat() if closed else None,
        "outcome": outcome,
        "error": "boom" if outcome == "FAILED" else None,
    }


def fresh(number: int, worker: str) -> dict:
    return {**attempt(number, None, worker), "started_at": LATER.isoformat()}


LOST = {
    **attempt(1, None),
    "finished_at": LATER.isoformat(),
    "outcome": "LOST",
    "error": attempts.LOST_ERROR,
}


@pytest.mark.parametrize(
    ("history", "after", "spared"),
    [
        # The first attempt.
        ([], [fresh(1, "w2")], 0),
        # After a failed attempt (a retry): the history grows, the failure stays.
        ([attempt(1, "FAILED")], [attempt(1, "FAILED"), fresh(2, "w2")], 0),
        # The previous attempt is still open: its worker vanished. Closed LOST, and it
        # does not use up a retry.
        ([attempt(1, None)], [LOST, fresh(2, "w2")], 1),
    ],
)
def test_beginning_an_attempt(history: list, after: list, spared: int) -> None:
    original = [dict(a) for a in history]
    assert attempts.begin(history, "w2", LATER) == (after, spared)
    assert history == original  # the stored history is copied, not changed


@pytest.mark.parametrize(
    ("history", "outcome", "error", "after"),
    [
        (
            [attempt(1, None)],
            Out.SUCCEEDED,
            None,
            [{**attempt(1, "SUCCEEDED"), "finished_at": LATER.isoformat()}],
        ),
        (
            [attempt(1, None)],
            Out.FAILED,
            "boom",
            [{**attempt(1, "FAILED"), "finished_at": LATER.isoformat()}],
        ),
        # Nothing open (cancelled before any worker claimed it): nothing to close.
        ([], Out.CANCELLED, "cancelled", []),
        ([attempt(1, "FAILED")], Out.CANCELLED, "cancelled", [attempt(1, "FAILED")]),
    ],
)
def test_closing_the_open_attempt(
    history: list, outcome: AttemptOutcome, error: str | None, after: list
) -> None:
    original = [dict(a) for a in history]
    assert attempts.close(history, outcome, LATER, error) == after
    assert history == original


@pytest.mark.parametrize(
    ("attempt", "attempt_base", "used"),
    [
        (1, 0, 1),  # the first attempt
        (3, 0, 3),
        (3, 1, 2),  # one of them was lost or handed back
        (4, 3, 1),  # the first attempt after a manual retry of a run that had made 3
    ],
)
def test_retries_used(attempt: int, attempt_base: int, used: int) -> None:
    assert attempts.retries_used(attempt, attempt_base) == used
