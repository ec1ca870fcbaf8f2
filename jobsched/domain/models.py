"""The domain's nouns (Job, Execution, Attempt, DeadLetter) as msgspec Structs: what the
store reads, what the use cases decide on, and what the API encodes, one class each.

Their fields are the API's fields (the OpenAPI document is generated from these classes,
``jobsched/api/openapi.py``), with their documentation. What must never be on the wire
has a home of its own: what a worker holds of a claimed run is
``jobsched.domain.execution_writes.ClaimedExecution`` (read by its own query); what the queue holds
of a run is ``QueueItem``; a job's notify secret is read only where a notification is
signed (``jobsched/notify.py``), and set here only in the answer that created it.

Values computed at read time (``waiting``, ``upcoming_runs``, ``duration_ms``, a run's
default idempotency key) are fields the read fills and the use case may refine. Fields
have no defaults (but ``UNSET``, for a field the answer may leave out): the OpenAPI
document says every other field is always sent. ``jobsched.domain.plain.plain`` turns a
model into the JSON values the API sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, NamedTuple, TypeVar

from msgspec import UNSET, Meta, Struct, UnsetType

from jobsched.domain import alerts
from jobsched.domain.contract import (
    ATTEMPT_OUTCOMES,
    EXECUTION_SOURCES,
    ActionName,
    CatchUpName,
    DstGapName,
    DstOverlapName,
    ExecutionStatusName,
    JobStatusName,
    OverlapPolicyName,
    ScopeName,
    TargetTypeName,
    Time,
    UuidText,
    Waiting,
)

__all__ = [
    "DEFAULT_POOL",
    "SNAPSHOT",
    "Alert",
    "ApiKey",
    "Attempt",
    "AuditEntry",
    "Change",
    "DeadLetter",
    "Execution",
    "Job",
    "NewExecution",
    "Page",
    "PoolLimits",
    "QueueItem",
    "default_key",
    "duration_ms",
    "occurrence_key",
]

At = Annotated[datetime, Meta(extra_json_schema={"format": "date-time"})]
"""A time: a ``datetime`` here, ISO 8601 text (``datetime.isoformat``) on the wire."""

DEFAULT_POOL = "default"


class Shown(Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of the models the API sends: every field is always sent (null when empty),
    and a document with a field the model does not declare is refused when read back
    (``tests/integration/test_api_contract.py``, the fuzz tests)."""


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
    concurrency_key: str | None = None
    """The key its concurrency control resolved to (None: none); with
    ``concurrency_limit``, at most that many runs of the key in flight at once."""
    concurrency_limit: int | None = None
    rate_key: str | None = None
    """The key its rate control (mode ``queue``) resolved to: at most ``rate_limit``
    starts of the key per ``rate_period_ms``."""
    rate_limit: int | None = None
    rate_period_ms: int | None = None
    exact: bool = False
    """Start it at its due time, never claimed ahead: a debounced run, whose payload and
    time a later trigger may still change until then."""


@dataclass(frozen=True)
class PoolLimits:
    """A pool's limits, enforced by the queue's claim across all the pool's workers."""

    concurrency: int = 0
    """Runs in flight at once (0: no limit beyond the workers' capacity)."""
    rate: int = 0
    """Runs started per ``per_ms`` window (0: no rate limit)."""
    per_ms: int = 0


T = TypeVar("T")


class Page(Shown, Generic[T]):
    # One page of a list: its items, the cursor of the next page (None: the last) and
    # how many the list holds. The OpenAPI document names ``Page[Job]`` ``JobPage``.
    # (Comments, not docstrings, on the models: a docstring is the schema's description.)

    next_cursor: str | None
    total: int
    items: list[T]


class Job(Shown):
    # A stored job. Its fields' bounds and defaults are the request bodies'
    # (``contract.JobCreate``); a job is only ever read from a row.

    id: UuidText
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
    overlap_policy: OverlapPolicyName
    pool: str
    max_concurrency: int | None
    waiting: Waiting | None
    """Filled by the use case, from the live workers (None: not waiting, or unknown)."""
    run_at: At | None
    """A one-off job's time (it has no schedule)."""
    dst_gap: DstGapName
    dst_overlap: DstOverlapName
    catch_up: CatchUpName
    catch_up_window_s: int
    catch_up_max: int
    start_jitter_ms: int
    max_start_delay_ms: int | None
    max_duration_ms: int | None
    notify_url: str | None
    calendar: str | None
    non_business_day: str
    business_day_rule: dict[str, Any] | None
    windows: list[dict[str, Any]] | None
    blackouts: list[dict[str, Any]] | None
    outside_window: str
    on_window_close: str
    start_at: At | None
    end_at: At | None
    max_runs: int | None
    runs_made: Annotated[int, Meta(description="runs its schedule made (towards max_runs)")]
    concurrency: dict[str, Any] | None
    rate: dict[str, Any] | None
    debounce: dict[str, Any] | None
    singleton: dict[str, Any] | None
    spread: Annotated[
        dict[str, Any] | None,
        Meta(description="each occurrence's runs, one per key, at stable offsets"),
    ]
    status: JobStatusName
    schedule_error: (
        Annotated[
            str,
            Meta(
                description="why the tick cannot schedule this job; re-checked every "
                "10 minutes and cleared once it computes"
            ),
        ]
        | None
    )
    next_run_time: At | None
    last_run_time: At | None
    created_at: At | None
    updated_at: At | None
    upcoming_runs: Annotated[list[Time], Meta(description="in the job's time zone")]
    """Filled by the use case (the read leaves it empty)."""
    executions: (
        Annotated[Page[Execution], Meta(description="only with include=executions")] | UnsetType
    ) = UNSET
    notify_secret: (
        Annotated[
            str,
            Meta(
                description="only in the answer that created the job (keep it: it is not "
                "shown again); signs its notifications: X-Jobsched-Signature is sha256=<hex "
                "HMAC-SHA256 of '<X-Jobsched-Timestamp>.<body>'>"
            ),
        ]
        | UnsetType
    ) = UNSET


class Attempt(Shown):
    number: int
    worker_id: str | None
    started_at: At | None
    finished_at: At | None
    outcome: Literal[ATTEMPT_OUTCOMES] | None
    error: str | None


class Alert(Shown):
    kind: Literal[alerts.BREACHES]
    at: Time
    detail: str


class Execution(Shown):
    id: UuidText
    job_id: UuidText
    job_name: str | None
    status: ExecutionStatusName
    source: Literal[EXECUTION_SOURCES]
    handler: str
    pool: str
    payload: dict[str, Any]
    scheduled_for: At | None
    priority: int
    attempt: int
    max_retries: int
    worker_id: str | None
    queued_at: At | None
    started_at: At | None
    finished_at: At | None
    next_attempt_at: At | None
    duration_ms: int | None
    result: Any
    error: str | None
    waiting: Annotated[Waiting, Meta(description="only for QUEUED runs")] | None
    attempts: list[Attempt]
    idempotency_key: Annotated[
        str,
        Meta(
            description="stable across retries: the job and scheduled time, or the "
            "trigger's Idempotency-Key; handed to the handler (http.webhook sends it)"
        ),
    ]
    on_hold: Annotated[bool, Meta(description="held back until the job's previous run finishes")]
    alerts: Annotated[list[Alert], Meta(description="SLA breaches: late_start, overran")]
    start_after: (
        Annotated[At, Meta(description="with start jitter: the run starts no earlier than this")]
        | None
    )
    created_at: At | None
    updated_at: At | None
    workflow_run_id: (
        Annotated[UuidText, Meta(description="the workflow run whose step this executes")] | None
    )
    step_id: Annotated[str, Meta(description="the workflow step it executes")] | None
    concurrency_key: (
        Annotated[
            str,
            Meta(description="the key its concurrency control resolved to for its payload"),
        ]
        | None
    ) = None
    concurrency_limit: (
        Annotated[int, Meta(description="at most this many runs of its key at once")] | None
    ) = None
    rate_key: (
        Annotated[str, Meta(description="the key its rate control (mode queue) resolved to")] | None
    ) = None
    rate_limit: (
        Annotated[int, Meta(description="at most this many starts of its rate key per period")]
        | None
    ) = None
    rate_period_ms: int | None = None

    @property
    def due(self) -> datetime:
        """When the run may start."""
        return self.start_after or self.scheduled_for  # type: ignore[return-value]


class Route(NamedTuple):
    """What a run carries into the queue from its job (its ``QueueItem`` but for its id
    and flow control): where a trigger pushed ahead of its write assumed it goes
    (jobsched/early_push.py), for the write to check."""

    pool: str
    handler: str
    priority: int
    max_concurrency: int | None


class NewExecution(NamedTuple):
    """A run a write made claimable (or wrote for the outbox): the API's view of it, and
    what the queue holds of it (its job's cap is not on the wire)."""

    execution: Execution
    item: QueueItem


def new_execution(execution: Execution, max_concurrency: int | None) -> NewExecution:
    """``execution`` with its queue item, under its job's ``max_concurrency``."""
    e = execution
    return NewExecution(
        e,
        QueueItem(
            e.id,
            e.priority,
            e.pool,
            e.job_id,
            max_concurrency,
            e.handler,
            e.concurrency_key,
            e.concurrency_limit,
            e.rate_key,
            e.rate_limit,
            e.rate_period_ms,
        ),
    )


def duration_ms(started_at: datetime | None, finished_at: datetime | None) -> int | None:
    """How long a finished run took (None: it has not both started and finished)."""
    if started_at and finished_at:
        return int((finished_at - started_at).total_seconds() * 1000)
    return None


def occurrence_key(job_id: str, scheduled_for: datetime) -> str:
    """The idempotency key of a cron occurrence: the same whether it ran on schedule,
    was caught up or backfilled, so a handler can tell a repeat from a new run."""
    return f"{job_id}:{scheduled_for.isoformat()}"


def default_key(source: str, execution_id: str, job_id: str, scheduled_for: datetime) -> str:
    """The key of a run written before keys were stored."""
    if source == "trigger":
        return execution_id
    return occurrence_key(job_id, scheduled_for)


class DeadLetter(Shown):
    id: UuidText
    execution_id: UuidText
    job_id: UuidText
    job_name: str | None
    handler: str
    payload: dict[str, Any]
    error: str | None
    attempts: int
    reason: str
    created_at: At | None


class Change(Struct, kw_only=True, forbid_unknown_fields=True):
    before: Any = UNSET
    after: Any = UNSET


class AuditEntry(Shown):
    # An entry of the audit log as the API lists it: its changes as
    # ``jobsched.domain.audit.shown`` shows them (``{field: {"before", "after"}}``, held
    # as the JSON the log stores).

    id: str
    at: At
    key_id: Annotated[str, Meta(description="id of the caller's key, never the key")]
    action: ActionName
    target_type: TargetTypeName
    target_id: str
    changes: Annotated[dict[str, Change], Meta(description="field -> {before, after}")]


class ApiKey(Shown):
    # A key created through the API, as stored: never the key itself.

    id: UuidText
    name: str
    scope: ScopeName
    rate_limit_per_minute: Annotated[int, Meta(description="null: unlimited")] | None
    created_at: At
    created_by: Annotated[str, Meta(description="id of the key that created it")]
    last_used_at: Annotated[At, Meta(description="to the minute")] | None

    def caller(self) -> Caller:
        return Caller(self.id, self.name, self.scope, self.rate_limit_per_minute)


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
