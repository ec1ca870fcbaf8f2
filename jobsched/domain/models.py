"""Jobs, executions and attempts as plain dataclasses, with their JSON shapes.

``to_dict`` is what the API returns; its shape is declared by the response models in
``jobsched/api/wire.py`` (``JobView``, ``ExecutionView``...;
``tests/integration/test_api_contract.py`` checks that they agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

_last_iso: tuple[datetime | None, str] = (None, "")


def iso(when: datetime | None) -> str | None:
    """``when`` as ISO 8601 text. The last one is remembered by identity: the runs of
    one trigger, or one record batch, share the same few datetime objects, so most
    calls skip the formatting (identity, not equality: two equal instants in different
    zones print differently; the memo holds its object, so the id is never reused)."""
    global _last_iso
    if not when:
        return None
    last = _last_iso
    if last[0] is when:
        return last[1]
    text = when.isoformat()
    _last_iso = (when, text)
    return text


def _shallow(obj: Any) -> dict[str, Any]:
    """Fields as a dict, JSON values as they are: ``dataclasses.asdict`` would copy
    every payload recursively, two stack frames per level of nesting."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


DEFAULT_POOL = "default"


class QueueItem(NamedTuple):
    """What the Redis queue needs of an execution to hold it."""

    id: str
    priority: int
    pool: str = DEFAULT_POOL
    job_id: str = ""
    max_concurrency: int | None = None
    """The job's cap on its runs in flight at once (None: no cap)."""
    handler: str = ""
    """Its handler: a worker claims only runs of handlers it loaded."""


@dataclass(frozen=True)
class PoolLimits:
    """A pool's limits, enforced by the queue's claim across all the pool's workers."""

    concurrency: int = 0
    """Runs in flight at once (0: no limit beyond the workers' capacity)."""
    rate: int = 0
    """Runs started per ``per_ms`` window (0: no rate limit)."""
    per_ms: int = 0


@dataclass
class Job:
    """A stored job. Its fields' types, bounds and defaults are the contract's
    (``contract.JobCreate``, ``wire.JobView``); a job is only ever read from a row."""

    id: str
    name: str
    handler: str
    description: str
    payload: dict[str, Any]
    schedule: str | None
    timezone: str
    priority: int
    max_retries: int
    timeout_ms: int
    retry_backoff_ms: int
    retry_backoff_max_ms: int
    overlap_policy: str
    status: str
    pool: str
    max_concurrency: int | None
    schedule_error: str | None
    """Why the tick could not schedule this job (None when it can)."""
    next_run_time: datetime | None
    last_run_time: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    run_at: datetime | None = None
    """A one-off job's time (it has no schedule)."""
    dst_gap: str = "shift"
    dst_overlap: str = "first"
    catch_up: str = "latest"
    catch_up_window_s: int = 3600
    catch_up_max: int = 10
    start_jitter_ms: int = 0
    max_start_delay_ms: int | None = None
    max_duration_ms: int | None = None
    notify_url: str | None = None
    notify_secret: str | None = None
    """Signs what is sent to notify_url (``jobsched.domain.alerts``)."""

    def to_dict(self) -> dict[str, Any]:
        data = _shallow(self)
        data["waiting"] = None  # the service says why, from the live workers
        del data["notify_secret"]  # shown once, when created (the service adds it then)
        for key in ("next_run_time", "last_run_time", "created_at", "updated_at", "run_at"):
            data[key] = iso(getattr(self, key))
        return data


@dataclass
class Attempt:
    number: int
    worker_id: str | None
    started_at: datetime | None
    finished_at: datetime | None = None
    outcome: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "worker_id": self.worker_id,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "outcome": self.outcome,
            "error": self.error,
        }


@dataclass
class Execution:
    id: str
    job_id: str
    status: str
    scheduled_for: datetime
    priority: int
    handler: str
    payload: dict[str, Any]
    source: str = "schedule"
    attempt: int = 0
    attempt_base: int = 0
    max_retries: int = 3
    timeout_ms: int = 60_000
    retry_backoff_ms: int = 1_000
    retry_backoff_max_ms: int = 60_000
    worker_id: str | None = None
    lease_token: str | None = None
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    next_attempt_at: datetime | None = None
    result: Any = None
    error: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    job_name: str | None = None
    idempotency_key: str | None = None
    on_hold: bool = False
    """Held back until its job's previous run finishes (buffer_one, backfills)."""
    start_after: datetime | None = None
    """A scheduled run with start jitter starts no earlier than this."""
    alerts: list[dict[str, Any]] = field(default_factory=list)
    """SLA breaches recorded for this run (``jobsched.domain.alerts``)."""

    @property
    def due(self) -> datetime:
        """When the run may start."""
        return self.start_after or self.scheduled_for

    pool: str = "default"
    max_concurrency: int | None = None

    def queue_item(self) -> QueueItem:
        return QueueItem(
            self.id, self.priority, self.pool, self.job_id, self.max_concurrency, self.handler
        )

    @property
    def duration_ms(self) -> int | None:
        if self.started_at and self.finished_at:
            return int((self.finished_at - self.started_at).total_seconds() * 1000)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "job_id": self.job_id,
            "job_name": self.job_name,
            "status": self.status,
            "source": self.source,
            "handler": self.handler,
            "pool": self.pool,
            "payload": self.payload,
            "scheduled_for": iso(self.scheduled_for),
            "priority": self.priority,
            "attempt": self.attempt,
            "max_retries": self.max_retries,
            "worker_id": self.worker_id,
            "queued_at": iso(self.queued_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "next_attempt_at": iso(self.next_attempt_at),
            "duration_ms": self.duration_ms,
            "result": self.result,
            "error": self.error,
            "waiting": None,
            "attempts": [a.to_dict() for a in self.attempts],
            "idempotency_key": self.idempotency_key or default_key(self),
            "on_hold": self.on_hold,
            "start_after": iso(self.start_after),
            "alerts": self.alerts,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


def occurrence_key(job_id: str, scheduled_for: datetime) -> str:
    """The idempotency key of a cron occurrence: the same whether it ran on schedule,
    was caught up or backfilled, so a handler can tell a repeat from a new run."""
    return f"{job_id}:{scheduled_for.isoformat()}"


def default_key(execution: Execution) -> str:
    """The key of a run written before keys were stored."""
    if execution.source == "trigger":
        return execution.id
    return occurrence_key(execution.job_id, execution.scheduled_for)


@dataclass
class DeadLetter:
    id: str
    execution_id: str
    job_id: str
    job_name: str | None
    handler: str
    payload: dict[str, Any]
    error: str | None
    attempts: int
    reason: str
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data = _shallow(self)
        data["created_at"] = iso(self.created_at)
        return data


SNAPSHOT = (
    "priority",
    "handler",
    "payload",
    "max_retries",
    "timeout_ms",
    "retry_backoff_ms",
    "retry_backoff_max_ms",
    "pool",
    "max_concurrency",
)
"""What a run copies of its job when it is written (later edits of the job do not
change runs already written)."""


@dataclass(frozen=True)
class StatusChange:
    """What pausing or resuming a job writes."""

    next_run_time: datetime | None
    schedule_error: str | None
    paused_at: datetime | None
    resumed_at: datetime | None


@dataclass(frozen=True)
class MinuteRow:
    minute: datetime
    """The minute's start (UTC, a whole minute)."""
    status: str
    le: float
    """The duration bucket's upper bound in seconds (``inf`` for the last)."""
    n: int


@dataclass(frozen=True)
class Caller:
    """The key a request was made with, once authenticated."""

    id: str
    """``env-<sha256 prefix>`` for a key from API_KEYS, the key's UUID for a created one."""
    name: str
    scope: str
    rate_limit_per_minute: int | None
    """None: unlimited."""
    bootstrap: bool = False
    """A key from API_KEYS (revoked by redeploying, not through the API)."""


@dataclass(frozen=True)
class ApiKey:
    """A key created through the API, as stored: never the key itself."""

    id: str
    name: str
    scope: str
    rate_limit_per_minute: int | None
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    def caller(self) -> Caller:
        return Caller(self.id, self.name, self.scope, self.rate_limit_per_minute)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "scope": self.scope,
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
            "last_used_at": iso(self.last_used_at),
        }
