"""The use cases that change one run by hand: cancel and requeue (retry, redrive).
Each opens its unit of work, reads the run locked, decides with the domain (which
transitions are allowed, how its open attempt closes), writes through the store."""

from __future__ import annotations

from datetime import datetime

from jobsched.domain import attempts
from jobsched.domain.audit import Audit
from jobsched.domain.models import Execution, NewRun, new_run
from jobsched.domain.states import AttemptOutcome, ExecutionStatus, allowed
from jobsched.errors import ConflictError
from jobsched.store import Store
from jobsched.store.database import parse_uuid


def cancel(store: Store, execution_id: str, now: datetime, audit: Audit | None = None) -> Execution:
    """Cancel an unfinished run (its open attempt closed CANCELLED)."""
    eid = parse_uuid(execution_id, "execution")
    with store.tx() as conn:
        row = store.executions.for_update(conn, eid)
        if not allowed(row["status"], ExecutionStatus.CANCELLED):
            raise ConflictError(f"execution is {row['status']}; only unfinished runs cancel")
        history = attempts.close(row["attempts"], AttemptOutcome.CANCELLED, now, "cancelled")
        store.executions.write_cancel(conn, row, history, now, audit)
    return store.executions.get(execution_id)


def requeue(store: Store, execution_id: str, now: datetime, audit: Audit | None = None) -> NewRun:
    """Manual retry of a FAILED or CANCELLED execution: back to PENDING, DLQ entry gone;
    the run as read back, with its queue item for the caller to push."""
    eid = parse_uuid(execution_id, "execution")
    with store.tx() as conn:
        row = store.executions.for_update(conn, eid)
        if not allowed(row["status"], ExecutionStatus.PENDING):
            raise ConflictError(
                f"execution is {row['status']}; only FAILED or CANCELLED runs retry"
            )
        store.executions.write_requeue(conn, row, now, audit)
    return new_run(store.executions.get(execution_id), row["max_concurrency"])
