"""The use cases that change one run by hand: cancel and requeue (retry, redrive), and
a dead-letter entry deleted. Each opens its unit of work, reads the run locked, decides
with the domain (which transitions are allowed, how its open attempt closes, what the
audit entry says), writes through the store, the audit entry in the same transaction."""

from __future__ import annotations

from datetime import datetime

from jobsched.domain import attempts
from jobsched.domain import audit as changes
from jobsched.domain.audit import Audit
from jobsched.domain.models import Execution, NewExecution, new_execution
from jobsched.domain.states import AttemptOutcome, ExecutionStatus, allowed
from jobsched.errors import ConflictError
from jobsched.store import Store
from jobsched.store.database import parse_uuid


def cancel(
    store: Store,
    execution_id: str,
    now: datetime,
    audit: Audit | None = None,
    reason: str = "cancelled",
) -> Execution:
    """Cancel an unfinished run (its open attempt closed CANCELLED, ``reason`` its error)."""
    eid = parse_uuid(execution_id, "execution")
    with store.tx() as conn:
        row = store.executions.for_update(conn, eid)
        if not allowed(row["status"], ExecutionStatus.CANCELLED):
            raise ConflictError(f"execution is {row['status']}; only unfinished runs cancel")
        history = attempts.close(row["attempts"], AttemptOutcome.CANCELLED, now, reason)
        store.executions.write_cancel(conn, row, history, now, reason)
        change = changes.status_change(row["status"], ExecutionStatus.CANCELLED.value)
        store.audit.write(conn, changes.entry(audit, "execution", eid, change), now)
    return store.executions.get(execution_id)


def requeue(
    store: Store, execution_id: str, now: datetime, audit: Audit | None = None
) -> NewExecution:
    """Manual retry of a FAILED or CANCELLED execution: back to PENDING, DLQ entry gone;
    the run as read back, with its queue item for the caller to push."""
    eid = parse_uuid(execution_id, "execution")
    with store.tx() as conn:
        row = store.executions.for_update(conn, eid)
        if row.get("workflow_run_id") is not None:
            # Its run decides what runs next: retried alone, it would end with nobody
            # to move the (ended) run on.
            raise ConflictError(
                "a workflow step's execution runs again with its run: "
                f"POST /workflow-runs/{row['workflow_run_id']}/retry"
            )
        if not allowed(row["status"], ExecutionStatus.PENDING):
            raise ConflictError(
                f"execution is {row['status']}; only FAILED or CANCELLED runs retry"
            )
        dead_letter_id = store.executions.write_requeue(conn, row, now)
        change = changes.requeued(row["status"], ExecutionStatus.PENDING.value, dead_letter_id)
        store.audit.write(conn, changes.entry(audit, "execution", eid, change), now)
    return new_execution(store.executions.get(execution_id), row["max_concurrency"])


def drop_dead_letter(
    store: Store, entry_id: str, now: datetime, audit: Audit | None = None
) -> None:
    """Delete a dead-letter entry (the run stays as it is)."""
    did = parse_uuid(entry_id, "dead-letter entry")
    with store.tx() as conn:
        row = store.dead_letter.write_delete(conn, did)
        change = changes.deleted(row, changes.DEAD_LETTER_FIELDS)
        store.audit.write(conn, changes.entry(audit, "dead_letter", did, change), now)
