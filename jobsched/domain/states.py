"""The state machines, written down once.

``TRANSITIONS`` is the only copy of the execution state machine. Every UPDATE in
``jobsched/store/sql/queries.sql`` that sets a status is guarded by
``(status, <new status>) IN :transitions``, which the query loader expands into the
pairs of this table (``transitions_sql``), so PostgreSQL refuses exactly what the
table refuses. ``tests/integration/test_transitions.py`` walks every pair.
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
    """Row written for the outbox, not yet pushed to Redis (scheduled, backfilled, retried
    and held-back runs; a trigger's runs skip it). Left by: whoever pushes it (its
    writer or the tick's outbox pass), or cancel."""
    QUEUED = "QUEUED"
    """Handed to Redis: in its ready or delayed set, or (a trigger's run, written QUEUED
    and pushed after commit) about to be, with the tick's repair pushing it if that
    push was lost. Left by: a worker's claim, or cancel."""
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
    # -> QUEUED: pushed to Redis (its writer or the tick's outbox). -> RUNNING: a worker
    # claimed it between the push and the mark. -> CANCELLED: a user.
    E.PENDING: frozenset({E.QUEUED, E.RUNNING, E.CANCELLED}),
    E.QUEUED: frozenset({E.RUNNING, E.CANCELLED}),
    # RUNNING -> RUNNING: a lapsed lease re-delivered to another worker.
    # RUNNING -> QUEUED: a stopping worker hands its work back.
    E.RUNNING: frozenset({E.RUNNING, E.QUEUED, E.SUCCEEDED, E.RETRYING, E.FAILED, E.CANCELLED}),
    # -> QUEUED: the tick promotes it once its backoff has passed; -> RUNNING: claimed
    # between the promotion and the mark.
    E.RETRYING: frozenset({E.QUEUED, E.RUNNING, E.CANCELLED}),
    E.SUCCEEDED: frozenset(),
    # Manual retry and dead-letter redrive write the row again as PENDING (then pushed).
    E.FAILED: frozenset({E.PENDING}),
    E.CANCELLED: frozenset({E.PENDING}),
    E.SKIPPED: frozenset(),
}


def allowed(source: str, target: str) -> bool:
    return ExecutionStatus(target) in TRANSITIONS[ExecutionStatus(source)]


def transitions_sql() -> str:
    """Every allowed (from, to) pair as an SQL row list, for ``(status, x) IN :transitions``.

    A list of row constructors, not a ``VALUES`` subquery: PostgreSQL plans ``IN (VALUES
    ...)`` as a semi-join, and a ``FOR UPDATE`` or ``UPDATE`` that waited for a row another
    transaction changed then drops the row instead of rechecking its new status (a claim
    racing the tick's PENDING -> QUEUED mark found nothing to start)."""
    pairs = sorted((s.value, t.value) for s, targets in TRANSITIONS.items() for t in targets)
    return "(" + ", ".join(f"('{s}', '{t}')" for s, t in pairs) + ")"


class AttemptOutcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    CANCELLED = "CANCELLED"
    LOST = "LOST"
    """The worker vanished (its lease lapsed); the execution ran again elsewhere."""
    HANDED_BACK = "HANDED_BACK"
    """The worker stopped before finishing and returned the execution to the queue."""
