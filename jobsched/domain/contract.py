"""The API's contract as typed models (msgspec Structs): every field's type and bounds
are declared once, here.

Request validation (``jobsched.domain.validation``), the response shapes and the
OpenAPI document (``jobsched.api.openapi``) are all derived from these classes.
Checks a type cannot express (NUL, unpaired surrogates, NaN, depth and size of a JSON
document, a cron expression that never fires) are attached to the field's type with
``checked(...)`` and run by the validation once the value has the right type.

Response models forbid unknown fields: a field the API sends but the model does not
declare fails ``tests/integration/test_api_contract.py`` and the fuzz tests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from jobsched.domain.contract_fields import (
    _ISO,
    MAX_BACKFILL,
    MAX_PREVIEW,
    MAX_RATE_LIMIT,
    MAX_TRIGGER_BATCH,
    ActionName,
    BackoffMs,
    CatchUp,
    CatchUpMax,
    CatchUpWindow,
    Cursor,
    DelayMs,
    Description,
    DstGap,
    DstOverlap,
    ExecutionStatusName,
    HandlerName,
    Ident,
    JitterMs,
    JobStatusName,
    MaxConcurrency,
    Model,
    Name,
    NotifyUrl,
    OverlapPolicy,
    PageSize,
    Param,
    Payload,
    PoolName,
    Priority,
    Retries,
    Schedule,
    ScopeName,
    SlaMs,
    TargetTypeName,
    TimeoutMs,
    Timezone,
    Uuid,
    When,
)

# ---------------------------------------------------------------- request bodies


class JobCreate(Model):
    name: Name
    handler: HandlerName
    description: Description | None = ""
    payload: Payload = {}
    schedule: Schedule | None = None
    timezone: Timezone = "UTC"
    priority: Priority = 50
    max_retries: Retries = 3
    timeout_ms: TimeoutMs = 60_000
    retry_backoff_ms: BackoffMs = 1_000
    retry_backoff_max_ms: BackoffMs = 60_000
    overlap_policy: OverlapPolicy = "allow"
    pool: (
        Annotated[PoolName, Meta(description="default: the handler's pool ('default')")] | None
    ) = None
    max_concurrency: MaxConcurrency | None = None
    run_at: (
        Annotated[When, Meta(description="a one-off job: runs once at this time (no schedule)")]
        | None
    ) = None
    dst_gap: DstGap = "shift"
    dst_overlap: DstOverlap = "first"
    catch_up: CatchUp = "latest"
    catch_up_window_s: CatchUpWindow = 3600
    catch_up_max: CatchUpMax = 10
    start_jitter_ms: JitterMs = 0
    max_start_delay_ms: SlaMs | None = None
    max_duration_ms: SlaMs | None = None
    notify_url: NotifyUrl | None = None


ReadOnly = Annotated[Any, Meta(description="read-only: accepted and ignored")]


class JobUpdate(Model):
    """A partial update: fields left out keep their value. A job as the API returns it
    may be sent back: its read-only fields are ignored."""

    name: Name | UnsetType = UNSET
    handler: HandlerName | UnsetType = UNSET
    description: Description | UnsetType | None = UNSET
    payload: Payload | UnsetType = UNSET
    schedule: Schedule | UnsetType | None = UNSET
    timezone: Timezone | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    max_retries: Retries | UnsetType = UNSET
    timeout_ms: TimeoutMs | UnsetType = UNSET
    retry_backoff_ms: BackoffMs | UnsetType = UNSET
    retry_backoff_max_ms: BackoffMs | UnsetType = UNSET
    overlap_policy: OverlapPolicy | UnsetType = UNSET
    pool: PoolName | UnsetType | None = UNSET
    max_concurrency: MaxConcurrency | UnsetType | None = UNSET
    run_at: When | UnsetType | None = UNSET
    dst_gap: DstGap | UnsetType = UNSET
    dst_overlap: DstOverlap | UnsetType = UNSET
    catch_up: CatchUp | UnsetType = UNSET
    catch_up_window_s: CatchUpWindow | UnsetType = UNSET
    catch_up_max: CatchUpMax | UnsetType = UNSET
    start_jitter_ms: JitterMs | UnsetType = UNSET
    max_start_delay_ms: SlaMs | UnsetType | None = UNSET
    max_duration_ms: SlaMs | UnsetType | None = UNSET
    notify_url: NotifyUrl | UnsetType | None = UNSET
    notify_secret: ReadOnly = UNSET
    id: ReadOnly = UNSET
    status: ReadOnly = UNSET
    schedule_error: ReadOnly = UNSET
    waiting: ReadOnly = UNSET
    next_run_time: ReadOnly = UNSET
    last_run_time: ReadOnly = UNSET
    upcoming_runs: ReadOnly = UNSET
    executions: ReadOnly = UNSET
    created_at: ReadOnly = UNSET
    updated_at: ReadOnly = UNSET


READ_ONLY = (
    "notify_secret",
    "id",
    "status",
    "schedule_error",
    "waiting",
    "next_run_time",
    "last_run_time",
    "upcoming_runs",
    "executions",
    "created_at",
    "updated_at",
)


class TriggerRun(Model):
    """One run's overrides; a payload is checked against the job's handler too.
    ``run_at`` or ``delay_ms`` (not both) schedules the run for later: it is listed
    QUEUED with its ``scheduled_for`` ahead, and cancellable until it starts."""

    payload: Payload | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    run_at: (
        Annotated[When, Meta(description="run at this time: at most 366 days from now")] | UnsetType
    ) = UNSET
    delay_ms: DelayMs | UnsetType = UNSET


class Trigger(TriggerRun):
    """``{payload?, priority?}`` for one run, or ``{"runs": [...]}`` (not both)."""

    runs: (
        Annotated[list[TriggerRun], Meta(min_length=1, max_length=MAX_TRIGGER_BATCH)] | UnsetType
    ) = UNSET


class SchedulePreview(Model):
    """An unsaved schedule, previewed as a job would run it."""

    schedule: Schedule
    timezone: Timezone = "UTC"
    dst_gap: DstGap = "shift"
    dst_overlap: DstOverlap = "first"
    count: Annotated[int, Meta(ge=1, le=MAX_PREVIEW)] = 10
    after: Annotated[When, Meta(description="default: now")] | None = None


class Backfill(Model):
    """Run each occurrence of the job's schedule in ``start <= t < end`` once."""

    start: When
    end: When


Scope = Annotated[
    ScopeName,
    Meta(
        description="read: every GET; operate: also trigger, backfill, schedule previews, "
        "pause, resume, cancel, retry, redrive and dead-letter delete; admin: also create, "
        "update and delete jobs, and manage keys"
    ),
]
RateLimit = Annotated[
    int,
    Meta(
        ge=1,
        le=MAX_RATE_LIMIT,
        description="requests per minute, in bursts of up to this many; null: unlimited",
    ),
]


class KeyCreate(Model):
    name: Name
    scope: Scope
    rate_limit_per_minute: RateLimit | None = None


# ------------------------------------------------------------- query parameters


class Query(Struct, kw_only=True):
    """Base of query models: unknown parameters are ignored, as HTTP caches and
    proxies add their own."""


class Paging(Query):
    limit: PageSize | None = None
    cursor: Cursor | None = None


JobSort = Literal[
    "name",
    "-name",
    "created_at",
    "-created_at",
    "next_run_time",
    "-next_run_time",
    "priority",
    "-priority",
]


class JobListQuery(Paging):
    status: JobStatusName | None = None
    handler: Param | None = None
    name: Annotated[Param, Meta(description="substring, case-insensitive")] | None = None
    sort: Annotated[JobSort, Meta(description="'-' first: descending")] | None = None


class JobGetQuery(Query):
    include: Literal["executions"] | None = None
    executions_limit: PageSize = 50


class JobExecutionsQuery(Paging):
    status: ExecutionStatusName | None = None


class ExecutionListQuery(JobExecutionsQuery):
    job_id: Uuid | None = None
    handler: Param | None = None


class MetricsFormatQuery(Query):
    format: (
        Annotated[
            Literal["json", "prometheus"],
            Meta(description="prometheus: the Prometheus text format (as Accept: text/plain)"),
        ]
        | None
    ) = None


class NextRunsQuery(Query):
    count: Annotated[int, Meta(ge=1, le=MAX_PREVIEW)] = 10


class OccurrenceQuery(Query):
    since: Annotated[When, Meta(description="default: a day before until")] | None = None
    until: Annotated[When, Meta(description="default: now")] | None = None
    limit: Annotated[int, Meta(ge=1, le=MAX_BACKFILL)] = 200


class MetricsQuery(Query):
    window_s: Annotated[int, Meta(ge=60, le=7 * 86400)] = 3600
    bucket_s: Annotated[
        int,
        Meta(
            ge=1,
            le=7 * 86400,
            description="at most window_s; rounded up to whole minutes (the answer's "
            "bucket_s says which), the figures being kept per minute",
        ),
    ] = 60


class AuditQuery(Paging):
    action: ActionName | None = None
    target_type: TargetTypeName | None = None
    target_id: Ident | None = None
    key_id: Ident | None = None
    since: Annotated[datetime, Meta(description="at >= since (no offset: UTC)", **_ISO)] | None = (
        None
    )
    until: Annotated[datetime, Meta(description="at < until (no offset: UTC)", **_ISO)] | None = (
        None
    )

    def filters(self) -> dict[str, Any]:
        """The store's filters: ids in canonical form (entries hold UUIDs that way),
        times in UTC when they came without an offset."""
        return {
            "action": self.action,
            "target_type": self.target_type,
            "target_id": _canonical(self.target_id),
            "key_id": _canonical(self.key_id),
            "since": _utc(self.since),
            "until": _utc(self.until),
        }


def _canonical(ident: str | None) -> str | None:
    try:
        return None if ident is None else str(uuid.UUID(ident))
    except ValueError:
        return ident


def _utc(when: datetime | None) -> datetime | None:
    return when if when is None or when.tzinfo else when.replace(tzinfo=UTC)


# The building blocks and the response bodies live in modules of their own; every
# name stays importable from here.
from jobsched.domain.contract_fields import (  # noqa: E402, F401
    EXECUTION_STATUSES,
    JOB_STATUSES,
    MAX_CURSOR_CHARS,
    MAX_DAY_MS,
    MAX_DELAY_MS,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_PAGE,
    MAX_PARAM_CHARS,
    MAX_RETRIES,
    OVERLAP_POLICIES,
    CatchUpName,
    Check,
    DstGapName,
    DstOverlapName,
    OverlapPolicyName,
    Time,
    Waiting,
    checked,
)
from jobsched.domain.contract_responses import (  # noqa: E402, F401
    Alert,
    AlertCounts,
    ApiKey,
    Attempt,
    AuditEntry,
    AuditPage,
    BackfillResult,
    Bucket,
    Change,
    DeadLetter,
    DeadLetterPage,
    DurationBucket,
    DurationHistogram,
    Durations,
    Error,
    ErrorDetail,
    Execution,
    ExecutionCounts,
    ExecutionMetrics,
    ExecutionPage,
    FailureRate,
    Handler,
    HandlerPage,
    Health,
    HealthCheck,
    HealthStatus,
    Job,
    JobCounts,
    JobPage,
    KeyCreated,
    KeyPage,
    Leader,
    Me,
    Metrics,
    NextRun,
    NextRuns,
    Occurrence,
    OccurrenceOutcome,
    OccurrencePage,
    Page,
    PoolDepth,
    QueueDepth,
    Response,
    ShardHolding,
    Throughput,
    Worker,
    WorkerCounts,
    WorkerPage,
)
