"""The API's wire shapes (msgspec Structs): the response bodies and the error body, as
the HTTP API encodes them (its query parameters and cursors: ``jobsched.api.queries``).

Request bodies and the field types and bounds they share with the domain's validation
live in ``jobsched.domain.contract``; the OpenAPI document (``jobsched.api.openapi``)
is derived from both. A response Struct whose noun the domain also models is named
``<Noun>View`` (the domain's ``Job`` is the stored job, ``JobView`` what the API sends);
the OpenAPI document names it ``<Noun>``, as it always has.

Response models forbid unknown fields: a field the API sends but the model does not
declare fails ``tests/integration/test_api_contract.py`` and the fuzz tests.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from jobsched.domain import alerts
from jobsched.domain.contract import (
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
    Waiting,
)

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


class AttemptView(Response):
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


class ExecutionView(Response):
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
    attempts: list[AttemptView]
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


class Listing(Response):
    next_cursor: str | None
    total: int


class ExecutionPage(Listing):
    items: list[ExecutionView]


class JobView(Response):
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


class JobPage(Listing):
    items: list[JobView]


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
        list[ExecutionView],
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


class DeadLetterView(Response):
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


class DeadLetterPage(Listing):
    items: list[DeadLetterView]


class Change(Struct, kw_only=True, forbid_unknown_fields=True):
    before: Any = UNSET
    after: Any = UNSET


class AuditEntryView(Response):
    id: str
    at: Time
    key_id: Annotated[str, Meta(description="id of the caller's key, never the key")]
    action: ActionName
    target_type: TargetTypeName
    target_id: str
    changes: Annotated[dict[str, Change], Meta(description="field -> {before, after}")]


class AuditPage(Listing):
    items: list[AuditEntryView]


class WorkerView(Response):
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


class WorkerPage(Listing):
    items: list[WorkerView]


class HandlerView(Response):
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


class HandlerPage(Listing):
    items: list[HandlerView]


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


class ApiKeyView(Response):
    id: Annotated[str, Meta(extra_json_schema={"format": "uuid"})]
    name: str
    scope: ScopeName
    rate_limit_per_minute: Annotated[int, Meta(description="null: unlimited")] | None
    created_at: Time
    created_by: Annotated[str, Meta(description="id of the key that created it")]
    last_used_at: Annotated[Time, Meta(description="to the minute")] | None


class KeyCreated(ApiKeyView):
    key: Annotated[str, Meta(description="the key itself: shown only in this answer")]


class KeyPage(Listing):
    items: list[ApiKeyView]


class Me(Response):
    """The key a request was made with."""

    id: Annotated[str, Meta(description="what the audit log names it by")]
    name: str
    scope: ScopeName
    rate_limit_per_minute: int | None
    bootstrap: Annotated[bool, Meta(description="from API_KEYS: revoked by redeploying")]
