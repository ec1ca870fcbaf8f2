"""An execution's attempt history, and the status an attempt's outcome leaves it in.

Each attempt is stored as ``{number, worker_id, started_at, finished_at, outcome,
error}`` (times as ISO text); the last one is open (``outcome`` None) while it runs.
Pure functions: the store calls them with the locked row's values and writes the result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobsched.domain.retry import Decision, RetryAt, ToDeadLetter
from jobsched.domain.states import AttemptOutcome, ExecutionStatus

Outcome = AttemptOutcome
S = ExecutionStatus

History = list[dict[str, Any]]

LOST_ERROR = "worker stopped heartbeating"


def is_open(history: History) -> bool:
    """The last attempt has no outcome yet: it is running, or its worker vanished."""
    return bool(history) and history[-1].get("outcome") is None


def close(history: History, outcome: AttemptOutcome, now: datetime, error: str | None) -> History:
    """A copy of ``history`` with its open attempt (if any) ended with ``outcome``."""
    history = [dict(a) for a in history]
    if is_open(history):
        history[-1].update(finished_at=now.isoformat(), outcome=outcome.value, error=error)
    return history


def begin(history: History, worker_id: str, now: datetime) -> tuple[History, int]:
    """The history once ``worker_id`` starts the next attempt, and how many attempts
    it closed that do not count toward ``max_retries``. An attempt still open means its
    worker vanished and the lease lapsed: it is closed LOST."""
    spared = int(is_open(history) and not uses_a_retry(Outcome.LOST))
    history = close(history, Outcome.LOST, now, LOST_ERROR)
    history.append(
        {
            "number": len(history) + 1,
            "worker_id": worker_id,
            "started_at": now.isoformat(),
            "finished_at": None,
            "outcome": None,
            "error": None,
        }
    )
    return history, spared


def retries_used(attempt: int, attempt_base: int) -> int:
    """Attempts since the last manual retry or redrive, the latest included, that count
    toward ``max_retries``: ``attempt_base`` grows by those that do not (and is reset to
    ``attempt`` by a manual retry or redrive)."""
    return attempt - attempt_base


def uses_a_retry(outcome: AttemptOutcome) -> bool:
    """Whether the attempt counts toward the job's ``max_retries``. A lost or handed-back
    attempt does not (the worker, not the run, gave out); ``MAX_DELIVERIES`` bounds those."""
    return outcome not in (Outcome.LOST, Outcome.HANDED_BACK)


def final_status(outcome: AttemptOutcome, decision: Decision | None = None) -> ExecutionStatus:
    """The status an attempt's outcome leaves its execution in. A failure needs the
    retry decision (``retry.decide``): RETRYING for a retry, FAILED for the dead letter."""
    if outcome in (Outcome.FAILED, Outcome.TIMED_OUT):
        if isinstance(decision, RetryAt):
            return S.RETRYING
        if isinstance(decision, ToDeadLetter):
            return S.FAILED
        raise ValueError(f"a {outcome} attempt needs a retry decision")
    return _STATUS_AFTER[outcome]


_STATUS_AFTER = {
    Outcome.SUCCEEDED: S.SUCCEEDED,
    Outcome.CANCELLED: S.CANCELLED,
    # Closed when another worker claims the run again.
    Outcome.LOST: S.RUNNING,
    # A stopping worker returns the run to the queue.
    Outcome.HANDED_BACK: S.QUEUED,
}
"""The status each outcome but a failure leaves its execution in."""
