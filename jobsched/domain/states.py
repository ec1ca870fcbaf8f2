"""The state machines, written down once.

The same transitions are enforced in SQL by guarded UPDATEs (``WHERE status = ANY(...)``)
in ``jobsched/store/sql/queries.sql``; ``tests/unit/test_states.py`` keeps the two in step.
"""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    """Runs at next_run_time (or only when triggered, without a schedule). Left by: pause."""
    PAUSED = "PAUSED"
    """No scheduled runs are created; triggers are refused. Left by: resume."""


class ExecutionStatus(StrEnum):
    PENDING = "PENDING"
    """Row written, not yet pushed to Redis. Left by: whoever pushes it (API or tick outbox)."""
    QUEUED = "QUEUED"
    """In the Redis ready set. Left by: a worker's claim, or cancel."""
    RUNNING = "RUNNING"
    """Leased by a worker. Left by: that worker's result, cancel, or the lease lapsing."""
    RETRYING = "RETRYING"
    """An attempt failed; waiting out its backoff in the delayed set. Left by: the tick."""
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    """Out of retries (or poison); a dead-letter entry holds it. Left by: redrive/retry."""
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"
    """A policy decided not to run this occurrence; ``error`` says why."""

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset(
    {
        ExecutionStatus.SUCCEEDED,
        ExecutionStatus.FAILED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.SKIPPED,
    }
)

E = ExecutionStatus
TRANSITIONS: dict[ExecutionStatus, frozenset[ExecutionStatus]] = {
    E.PENDING: frozenset({E.QUEUED, E.RUNNING, E.CANCELLED}),
    E.QUEUED: frozenset({E.RUNNING, E.CANCELLED}),
    # RUNNING -> RUNNING: a lapsed lease re-delivered to another worker.
    # RUNNING -> QUEUED: a stopping worker hands its work back.
    E.RUNNING: frozenset({E.RUNNING, E.QUEUED, E.SUCCEEDED, E.RETRYING, E.FAILED, E.CANCELLED}),
    E.RETRYING: frozenset({E.QUEUED, E.RUNNING, E.CANCELLED}),
    E.SUCCEEDED: frozenset(),
    E.FAILED: frozenset({E.QUEUED}),  # retry / redrive from the dead-letter queue
    E.CANCELLED: frozenset({E.QUEUED}),  # retry
    E.SKIPPED: frozenset(),
}


def sources_of(target: ExecutionStatus) -> list[str]:
    """Statuses an execution may move to ``target`` from (for guarded UPDATEs)."""
    return [s.value for s, targets in TRANSITIONS.items() if target in targets]


class AttemptOutcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    CANCELLED = "CANCELLED"
    LOST = "LOST"
    """The worker vanished (its lease lapsed); the execution ran again elsewhere."""
    HANDED_BACK = "HANDED_BACK"
    """The worker stopped before finishing and returned the execution to the queue."""
