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
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from jobsched.domain import alerts, cron, due
from jobsched.domain.access import SCOPES
from jobsched.domain.audit import ACTIONS, ID_PATTERN, TARGET_TYPES
from jobsched.domain.bounded import MAX_JSON_BYTES, MAX_JSON_DEPTH, json_problem, text_problem
from jobsched.domain.states import ExecutionStatus, JobStatus

Check = Callable[[Any], str | None]


def checked(*checks: Check, problem: str | None = None, **meta: Any) -> Meta:
    """Schema metadata plus checks the validation runs on a value of the right type.
    ``problem`` replaces the message derived from the type when conversion fails."""
    extra: dict[str, Any] = {"checks": checks}
    if problem:
        extra["problem"] = problem
    return Meta(extra=extra, **meta)


def _not_blank(value: str) -> str | None:
    return None if value.strip() else "must be a non-empty string"


def _raises(fn: Callable[[Any], Any]) -> Check:
    """A check from a function that raises ValueError naming the problem."""

    def check(value: Any) -> str | None:
        try:
            fn(value)
        except ValueError as exc:
            return str(exc)
        return None

    return check


MAX_NAME = 200
MAX_DESCRIPTION = 2_000
MAX_DAY_MS = 24 * 3600 * 1000
MAX_RETRIES = 100
MAX_PARAM_CHARS = 200
MAX_CURSOR_CHARS = 2048
"""A keyset cursor holds its page's last sort value: a job name of 200 characters fits."""
MAX_PAGE = 200
MAX_TRIGGER_BATCH = 500
JOB_STATUSES = tuple(s.value for s in JobStatus)
EXECUTION_STATUSES = tuple(s.value for s in ExecutionStatus)
OVERLAP_POLICIES = due.OVERLAP_POLICIES
MAX_PREVIEW = 100
MAX_BACKFILL = 500
MAX_DELAY_MS = 366 * MAX_DAY_MS
# Literal types from the tuples, so the state machine's names are written once.
JobStatusName = Literal[JOB_STATUSES]
ExecutionStatusName = Literal[EXECUTION_STATUSES]
OverlapPolicyName = Literal[OVERLAP_POLICIES]
DstGapName = Literal[cron.DST_GAPS]
DstOverlapName = Literal[cron.DST_OVERLAPS]
CatchUpName = Literal[due.CATCH_UP_MODES]
ActionName = Literal[ACTIONS]
TargetTypeName = Literal[TARGET_TYPES]
ScopeName = Literal[SCOPES]
MAX_RATE_LIMIT = 1_000_000

# ------------------------------------------------------------------ field types

Name = Annotated[str, checked(_not_blank, text_problem, min_length=1, max_length=MAX_NAME)]
Description = Annotated[str, checked(text_problem, max_length=MAX_DESCRIPTION)]
HandlerName = Annotated[str, checked(text_problem, max_length=MAX_NAME)]
Payload = Annotated[
    dict[str, Any],
    checked(
        json_problem,
        description=f"a JSON object, at most {MAX_JSON_BYTES // 1024} KiB and "
        f"{MAX_JSON_DEPTH} levels deep; no NUL, unpaired surrogates, NaN or Infinity",
    ),
]
Schedule = Annotated[
    str,
    checked(
        _raises(cron.validate_schedule),
        max_length=cron.MAX_SCHEDULE_CHARS,
        description="5-field cron, or 6 with leading seconds; must fire at some time",
    ),
]
Timezone = Annotated[
    str,
    checked(
        _raises(cron.parse_timezone), max_length=cron.MAX_TIMEZONE_CHARS, description="IANA zone"
    ),
]
Priority = Annotated[int, Meta(ge=0, le=100, description="higher runs first")]
Retries = Annotated[int, Meta(ge=0, le=MAX_RETRIES)]
TimeoutMs = Annotated[int, Meta(ge=1, le=MAX_DAY_MS)]
BackoffMs = Annotated[int, Meta(ge=0, le=MAX_DAY_MS)]
OverlapPolicy = Annotated[
    OverlapPolicyName,
    Meta(
        description="when an occurrence falls due while the previous run is unfinished: "
        "allow runs it anyway; skip records it SKIPPED; buffer_one holds it (at most one) "
        "until the previous finishes; cancel_previous cancels the previous run"
    ),
]
DstGap = Annotated[
    DstGapName,
    Meta(
        description="a fixed-hour time missing on a spring-forward day: shift runs it when "
        "the clocks jump (Vixie cron), skip does not run it that day"
    ),
]
DstOverlap = Annotated[
    DstOverlapName,
    Meta(
        description="a fixed-hour time repeated on a fall-back day: first runs its first "
        "instance only, twice runs both"
    ),
]
CatchUp = Annotated[
    CatchUpName,
    Meta(
        description="occurrences missed while the scheduler was down or the job paused: "
        "none records them SKIPPED, latest runs the most recent, all runs those within "
        "catch_up_window_s (at most catch_up_max)"
    ),
]
CatchUpWindow = Annotated[int, Meta(ge=1, le=7 * 86400)]
CatchUpMax = Annotated[int, Meta(ge=1, le=1000)]
JitterMs = Annotated[
    int,
    Meta(
        ge=0,
        le=3_600_000,
        description="a scheduled run starts at a random point up to this long after its time",
    ),
]
SlaMs = Annotated[
    int,
    Meta(ge=1, le=MAX_DAY_MS, description="a run later or longer than this is an alert"),
]
NotifyUrl = Annotated[
    str,
    checked(
        text_problem,
        max_length=2048,
        description="where alerts, failed attempts and dead-letter entries are POSTed, "
        "signed with the job's notify_secret (checked like http.webhook's url)",
    ),
]
Time = Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
_ISO: dict[str, Any] = {
    "extra_json_schema": {"format": "date-time"},
    "examples": ["2026-12-01T10:00:00Z"],
}
EARLIEST, LATEST = 1970, 2999


def _plausible(when: datetime) -> str | None:
    """Times far outside any schedule's life would overflow the calendar arithmetic."""
    if not EARLIEST <= when.year <= LATEST:
        return f"must be between the years {EARLIEST} and {LATEST}"
    return None


When = Annotated[
    datetime,
    checked(_plausible, description="ISO 8601 time (no offset: UTC)", **_ISO),
]
DelayMs = Annotated[int, Meta(ge=0, le=MAX_DELAY_MS, description="run this long from now")]
Uuid = Annotated[
    str,
    checked(
        _raises(uuid.UUID),
        problem="must be a UUID",
        max_length=64,
        extra_json_schema={"format": "uuid"},
    ),
]
Param = Annotated[str, checked(text_problem, max_length=MAX_PARAM_CHARS)]
Cursor = Annotated[
    str, checked(text_problem, max_length=MAX_CURSOR_CHARS, description="next_cursor of a page")
]
PageSize = Annotated[int, Meta(ge=1, le=MAX_PAGE)]
Ident = Annotated[
    str,
    checked(
        problem="must be an id (1 to 64 letters, digits, '.', '_', ':', '-')",
        pattern=f"^{ID_PATTERN.pattern}$",
    ),
]


PoolName = Annotated[
    str,
    checked(
        problem="must be a pool name (lower-case letters, digits, '-' and '_', at most 40)",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
        description="the worker pool that runs it",
    ),
]
MaxConcurrency = Annotated[
    int, Meta(ge=1, le=10_000, description="at most this many of the job's runs at once")
]
Waiting = Annotated[
    str,
    Meta(description="why its runs are waiting: no live worker serves its handler on its pool"),
]


class Model(Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are refused (and named)."""


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


# ----------------------------------------------------------------- response bodies


class Response(Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of response models: every field is always sent (null when empty)."""


class ErrorDetail(Struct, kw_only=True):
    code: str
    message: str
    fields: (
        Annotated[dict[str, str], Meta(description="each bad field and what is wrong with it")]
        | UnsetType
    ) = UNSET
    required_scope: (
        Annotated[ScopeName, Meta(description="with 403: the scope the request needs")] | UnsetType
    ) = UNSET
    limit: (
        Annotated[int, Meta(description="with 409: the job's MAX_UNFINISHED_RUNS_PER_JOB")]
        | UnsetType
    ) = UNSET
    unfinished: (
        Annotated[int, Meta(description="with 409: the job's unfinished runs (up to limit)")]
        | UnsetType
    ) = UNSET


class Error(Struct, kw_only=True, forbid_unknown_fields=True):
    error: ErrorDetail


class Attempt(Response):
    number: int
    worker_id: str | None
    started_at: Time | None
    finished_at: Time | None
    outcome: str | None
    error: str | None


class Alert(Response):
    kind: Literal[alerts.BREACHES]
    at: Time
    detail: str


class Execution(Response):
    id: str
    job_id: str
    job_name: str | None
    status: ExecutionStatusName
    source: str
    handler: str
    pool: str
    payload: dict[str, Any]
    scheduled_for: Time | None
    priority: int
    attempt: int
    max_retries: int
    worker_id: str | None
    queued_at: Time | None
    started_at: Time | None
    finished_at: Time | None
    next_attempt_at: Time | None
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
        Annotated[Time, Meta(description="with start jitter: the run starts no earlier than this")]
        | None
    )
    created_at: Time | None
    updated_at: Time | None


class Page(Response):
    next_cursor: str | None
    total: int


class ExecutionPage(Page):
    items: list[Execution]


class Job(Response):
    id: Annotated[str, Meta(extra_json_schema={"format": "uuid"})]
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
    run_at: Time | None
    dst_gap: DstGapName
    dst_overlap: DstOverlapName
    catch_up: CatchUpName
    catch_up_window_s: int
    catch_up_max: int
    start_jitter_ms: int
    max_start_delay_ms: int | None
    max_duration_ms: int | None
    notify_url: str | None
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
    next_run_time: Time | None
    last_run_time: Time | None
    created_at: Time | None
    updated_at: Time | None
    upcoming_runs: Annotated[list[Time], Meta(description="in the job's time zone")]
    executions: (
        Annotated[ExecutionPage, Meta(description="only with include=executions")] | UnsetType
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


class JobPage(Page):
    items: list[Job]


class NextRun(Response):
    at: Annotated[Time, Meta(description="in the schedule's time zone, with its offset")]
    utc: Time
    utc_offset: Annotated[str, Meta(examples=["+01:00"])]


class NextRuns(Response):
    schedule: str | None
    timezone: str
    items: list[NextRun]


class BackfillResult(Response):
    items: Annotated[
        list[Execution],
        Meta(
            description="the runs this request created, as many as fit a page's 1 MiB of "
            "JSON (total counts them all)"
        ),
    ]
    total: int
    existing: Annotated[
        int, Meta(description="occurrences in the range that already ran or were backfilled")
    ]


OccurrenceOutcome = Literal["ran", "caught_up", "skipped", "backfilled", "missed", "upcoming"]


class Occurrence(Response):
    scheduled_for: Time
    outcome: Annotated[
        OccurrenceOutcome,
        Meta(
            description="ran (on time), caught_up (ran late, after downtime or a pause), "
            "skipped (reason says why), backfilled, missed (no run recorded), upcoming"
        ),
    ]
    execution_id: str | None
    status: ExecutionStatusName | None
    reason: str | None


class OccurrencePage(Response):
    items: list[Occurrence]
    since: Time
    until: Time
    truncated: Annotated[bool, Meta(description="the range held more than limit")]


class DeadLetter(Response):
    id: str
    execution_id: str
    job_id: str
    job_name: str | None
    handler: str
    payload: dict[str, Any]
    error: str | None
    attempts: int
    reason: str
    created_at: Time | None


class DeadLetterPage(Page):
    items: list[DeadLetter]


class Change(Struct, kw_only=True, forbid_unknown_fields=True):
    before: Any = UNSET
    after: Any = UNSET


class AuditEntry(Response):
    id: str
    at: Time
    key_id: Annotated[str, Meta(description="id of the caller's key, never the key")]
    action: ActionName
    target_type: TargetTypeName
    target_id: str
    changes: Annotated[dict[str, Change], Meta(description="field -> {before, after}")]


class AuditPage(Page):
    items: list[AuditEntry]


class Worker(Response):
    id: str
    host: str | None
    pid: int
    running: int
    capacity: int
    started_at: Time | None
    last_heartbeat: Time | None
    stale: bool
    pools: list[str]
    handlers: list[str]


class WorkerPage(Page):
    items: list[Worker]


class Handler(Response):
    name: str
    description: str
    schema: Annotated[dict[str, Any], Meta(description="JSON Schema of the payload")] | None
    pool: str
    isolation: Literal["thread", "process"]
    overridable: Annotated[
        list[str],
        Meta(
            description="top-level payload fields an operate key may override in a trigger "
            '("*": any); overriding any other field needs an admin key'
        ),
    ]
    workers: Annotated[list[str], Meta(description="live workers serving it on its pool")]


class HandlerPage(Page):
    items: list[Handler]


HealthStatus = Literal["ok", "unavailable"]


class HealthCheck(Response):
    status: HealthStatus
    latency_ms: float
    error: Annotated[str, Meta(description="the error's type")] | UnsetType = UNSET


class Health(Response):
    status: HealthStatus
    checks: (
        Annotated[dict[str, HealthCheck], Meta(description="only with an API key")] | UnsetType
    ) = UNSET


class JobCounts(Response):
    total: int
    by_status: dict[str, int]
    schedule_errors: int


class ExecutionCounts(Response):
    by_status: dict[str, int]


class PoolDepth(Response):
    ready: int
    in_flight: int
    delayed: int


class QueueDepth(PoolDepth):
    """Summed over the pools, and each pool's own."""

    pools: dict[str, PoolDepth]


class Throughput(Response):
    last_minute: int
    last_5_minutes: int
    last_hour: int


class FailureRate(Response):
    last_5_minutes: float
    last_hour: float


class Durations(Response):
    p50: int | None
    p95: int | None
    p99: int | None


class Leader(Response):
    id: str | None
    ttl_ms: int | None


class ShardHolding(Response):
    shard: int
    holder: Annotated[str | None, Meta(description="the tick instance's lock owner; null: free")]
    ttl_ms: int


class WorkerCounts(Response):
    total: int
    stale: int


class DurationBucket(Response):
    le: Annotated[str, Meta(description="upper bound in seconds, '+Inf' last")]
    count: Annotated[int, Meta(description="runs that took at most le (cumulative)")]


class DurationHistogram(Response):
    """Since the counters began (migration 0010); only ever grows."""

    buckets: list[DurationBucket]
    count: int
    sum_seconds: float


class AlertCounts(Response):
    late_start: int
    overran: int


class Metrics(Response):
    alerts: Annotated[AlertCounts, Meta(description="SLA breaches in the last hour")]
    jobs: JobCounts
    executions: ExecutionCounts
    queue: QueueDepth
    dead_letter: int
    throughput: Throughput
    failure_rate: FailureRate
    duration_ms: Durations
    leader: Leader
    shards: Annotated[
        list[ShardHolding],
        Meta(description="who holds each tick shard (SCHEDULER_SHARDS > 1; else empty)"),
    ]
    workers: WorkerCounts
    run_durations: Annotated[
        dict[str, DurationHistogram],
        Meta(description="per final status (SUCCEEDED, FAILED): how long finished runs took"),
    ]
    generated_at: Time


class Bucket(Response):
    start: Time
    succeeded: int
    failed: int
    p95_duration_ms: int | None


class ExecutionMetrics(Response):
    buckets: list[Bucket]
    window_s: int
    bucket_s: int


class ApiKey(Response):
    id: Annotated[str, Meta(extra_json_schema={"format": "uuid"})]
    name: str
    scope: ScopeName
    rate_limit_per_minute: Annotated[int, Meta(description="null: unlimited")] | None
    created_at: Time
    created_by: Annotated[str, Meta(description="id of the key that created it")]
    last_used_at: Annotated[Time, Meta(description="to the minute")] | None


class KeyCreated(ApiKey):
    key: Annotated[str, Meta(description="the key itself: shown only in this answer")]


class KeyPage(Page):
    items: list[ApiKey]


class Me(Response):
    """The key a request was made with."""

    id: Annotated[str, Meta(description="what the audit log names it by")]
    name: str
    scope: ScopeName
    rate_limit_per_minute: int | None
    bootstrap: Annotated[bool, Meta(description="from API_KEYS: revoked by redeploying")]
