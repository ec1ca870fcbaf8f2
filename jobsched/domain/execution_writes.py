"""The values of recording runs: a run a worker holds, one write of ``record_executions``, what
an attempt's end wrote, and an attempt's result as a worker reports it. What to write is
decided by jobsched/domain/recording.py; the store writes these as given."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from jobsched.domain import alerts
from jobsched.domain.models import default_key
from jobsched.domain.states import AttemptOutcome, ExecutionStatus

__all__ = ["ROW_COLUMNS", "ClaimedExecution", "Finish", "Held", "Recorded", "Write"]

S = ExecutionStatus


@dataclass(frozen=True)
class Held:
    """A run a worker holds the lease of, and its row as PostgreSQL last had it.

    ``row`` is a ``claimed_executions`` (or ``lock_running``) row: the execution's
    columns and its job's alert settings. ``recorded``: the row is RUNNING under
    ``token`` (written by ``begin``); otherwise it is still as claimed."""

    row: dict[str, Any]
    token: str
    worker_id: str
    started_at: datetime
    recorded: bool = False

    @property
    def id(self) -> str:
        return str(self.row["id"])

    def late_start(self) -> dict[str, Any] | None:
        """The late-start alert of its first start (None: in time, or not a first start)."""
        if self.row["attempt"] != 0 or self.recorded:
            return None
        due = self.row["start_after"] or self.row["scheduled_for"]
        return alerts.late_start(due, self.started_at, self.row["max_start_delay_ms"])


@dataclass(frozen=True)
class ClaimedExecution:
    """What a worker runs of a claimed run, from its ``claimed_executions`` row: the
    values a handler's context needs, not the API's ``Execution`` (whose fields the
    worker never reads, and which carries no lease)."""

    id: str
    job_id: str
    handler: str
    pool: str
    payload: dict[str, Any]
    attempt: int
    timeout_ms: int
    idempotency_key: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> ClaimedExecution:
        eid, job_id = str(row["id"]), str(row["job_id"])
        return cls(
            id=eid,
            job_id=job_id,
            handler=row["handler"],
            pool=row.get("pool", "default"),
            payload=row["payload"],
            attempt=row["attempt"],
            timeout_ms=row["timeout_ms"],
            idempotency_key=row.get("idempotency_key")
            or default_key(row["source"], eid, job_id, row["scheduled_for"]),
        )


@dataclass
class Write:
    """One row of ``record_executions``: the run's new values, guarded by what is expected."""

    held: Held
    values: dict[str, Any]
    dead_letter: tuple[str, str | None] | None = None
    """(reason, error) of the dead-letter entry the write makes."""
    notices: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(kind, body) of the notifications the write sends (a job with a notify_url)."""
    recorded: Recorded | None = None
    """What an ``end`` decided (None for ``begin``)."""

    def after(self) -> Held:
        """The holder's view of the row once this write landed."""
        v = self.values
        row = {**self.held.row, **{k: v[k] for k in ROW_COLUMNS}, "lease_token": v["token"]}
        return replace(self.held, row=row, recorded=v["status"] == S.RUNNING.value)


@dataclass(frozen=True)
class Recorded:
    """What an attempt's end wrote: the status, and when a retry is due or why the run
    was dead-lettered (from ``retry.decide``)."""

    status: ExecutionStatus
    retry_at: datetime | None = None
    dead_letter_reason: str | None = None


ROW_COLUMNS = (
    "status",
    "attempt",
    "attempt_base",
    "worker_id",
    "queued_at",
    "started_at",
    "finished_at",
    "result",
    "error",
    "next_attempt_at",
    "attempts",
)


@dataclass
class Finish:
    """The result of one attempt, as a worker reports it."""

    execution_id: str
    token: str
    outcome: AttemptOutcome
    result: Any = None
    error: str | None = None
    deliveries: int = 0
    """Claims of the run since its last deliberate retry (poison detection)."""
    refused: str | None = None
    """Why PostgreSQL refused the attempt's result (set by the store, never a worker)."""
    fail_now: bool = False
    """The handler said the run cannot succeed (``FailNow``): no retries."""
    retry_after_ms: int | None = None
    """The handler asked to be retried after this delay (``RetryLater(delay_ms=...)``)."""
