"""The API's wire shapes (msgspec Structs): the response bodies and the error body, as
the HTTP API encodes them (its query parameters and cursors: ``jobsched.api.queries``).

Request bodies and the field types and bounds they share with the domain's validation
live in ``jobsched.domain.contract``; the domain's nouns (``Job``, ``Execution``,
``DeadLetter``, ``AuditEntry``, ``ApiKey``...) and the generic ``Page`` are
``jobsched.domain.models``, encoded as they are: this module declares only what HTTP
adds (answers that are no domain noun, the error body). The OpenAPI document
(``jobsched.api.openapi``) is derived from all three. The ``<Noun>View`` models (a
worker, a handler: shapes the queue and the catalog give as plain values) are named
``<Noun>`` in the document.

Response models forbid unknown fields: a field the API sends but the model does not
declare fails ``tests/integration/test_api_contract.py`` and the fuzz tests.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from jobsched.domain.contract import ExecutionStatusName, ScopeName, Time, UuidText
from jobsched.domain.models import ApiKey, Execution
from jobsched.errors import ERROR_CODES

# ----------------------------------------------------------------- response bodies


class Response(Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of response models: every field is always sent (null when empty)."""


class ErrorDetail(Struct, kw_only=True):
    code: Literal[ERROR_CODES]
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


class ErrorResponse(Struct, kw_only=True, forbid_unknown_fields=True):
    # Not ``Error``: openapi-python-client's ``Error.from_dict`` would name a local
    # ``error`` like the field, which mypy --strict refuses in the generated client.
    error: ErrorDetail


class Listing(Response):
    next_cursor: str | None
    total: int


class NextRun(Response):
    at: Annotated[Time, Meta(description="in the schedule's time zone, with its offset")]
    utc: Time
    utc_offset: Annotated[str, Meta(examples=["+01:00"])]
    reason: Annotated[
        str | None,
        Meta(
            description="why it is not at the schedule's own time: moved off a closed day, "
            "or deferred to a window's opening (null: at its time)"
        ),
    ] = None


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
    execution_id: UuidText | None
    status: ExecutionStatusName | None
    reason: str | None


class OccurrencePage(Response):
    items: list[Occurrence]
    since: Time
    until: Time
    truncated: Annotated[bool, Meta(description="the range held more than limit")]


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
    flow: (
        Annotated[
            dict[str, Any],
            Meta(
                description="flow-control defaults (concurrency, rate, debounce, singleton) "
                "for jobs that declare none of that control"
            ),
        ]
        | None
    ) = None


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


class WorkflowRunCounts(Response):
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


class FlowCounts(Response):
    """Triggers flow control answered without a new run, or refused (since Redis's data
    began: counters kept there)."""

    debounce_joined: Annotated[int, Meta(description="joined a debounced run")]
    singleton_skipped: Annotated[int, Meta(description="skipped: the key's run was there")]
    singleton_replaced: Annotated[int, Meta(description="runs a singleton cancelled")]
    rate_rejected: Annotated[int, Meta(description="refused with 429 by a reject-mode rate")]


class Metrics(Response):
    alerts: Annotated[AlertCounts, Meta(description="SLA breaches in the last hour")]
    jobs: JobCounts
    executions: ExecutionCounts
    workflow_runs: WorkflowRunCounts
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
    flow: Annotated[FlowCounts, Meta(description="flow-control outcomes of triggers")]


class Bucket(Response):
    start: Time
    succeeded: int
    failed: int
    p95_duration_ms: int | None


class ExecutionMetrics(Response):
    buckets: list[Bucket]
    window_s: int
    bucket_s: int


class KeyCreated(ApiKey):
    key: Annotated[str, Meta(description="the key itself: shown only in this answer")]


class Me(Response):
    """The key a request was made with."""

    id: Annotated[str, Meta(description="what the audit log names it by")]
    name: str
    scope: ScopeName
    rate_limit_per_minute: int | None
    bootstrap: Annotated[bool, Meta(description="from API_KEYS: revoked by redeploying")]


# ------------------------------------------------------ calendars (issue 25)


class HolidaysView(Response):
    country: str
    subdivision: str | None


class CalendarView(Response):
    name: str
    version: Annotated[int, Meta(description="bumped by every change")]
    timezone: str
    weekdays: list[str]
    holidays: HolidaysView | None
    dates: list[str]
    ics: str | None
    windows: list[dict[str, Any]] | None
    blackouts: list[dict[str, Any]] | None
    jobs: Annotated[int, Meta(description="how many jobs use it (0 in a list)")]
    created_at: Time
    updated_at: Time


class CalendarPage(Listing):
    items: list[CalendarView]


class CalendarDay(Response):
    date: Annotated[str, Meta(examples=["2026-05-01"])]
    business: bool
    reason: Annotated[
        str | None,
        Meta(
            description="why it is not a business day: the holiday's name, the ICS event's "
            "summary, 'extra date' or 'weekend' (null: a business day)"
        ),
    ]


class CalendarDays(Response):
    name: str
    version: int
    timezone: str
    items: list[CalendarDay]


ExplainOutcome = Literal["ran", "skipped", "deferred", "upcoming", "not_an_occurrence"]


class Explanation(Response):
    at: Time
    outcome: Annotated[
        ExplainOutcome,
        Meta(
            description="ran; skipped (a closed day, a window, a bound, a pause, catch-up, "
            "overlap or a DST gap: reason says which); deferred (to deferred_to, a window's "
            "opening); upcoming; not_an_occurrence (reason names the nearest ones)"
        ),
    ]
    reason: str | None
    execution_id: UuidText | UnsetType = UNSET
    deferred_to: Time | UnsetType = UNSET


LimitedBy = Literal["concurrency", "rate", "debounce"]


class FlowItem(Response):
    key: Annotated[str, Meta(description="a key the job's unfinished runs resolved to")]
    running: Annotated[int, Meta(description="the job's runs of the key running now")]
    waiting: Annotated[int, Meta(description="the job's runs of the key not started yet")]
    limited_by: (
        Annotated[
            LimitedBy,
            Meta(
                description="the limit holding its waiting runs: the key's concurrency "
                "(across the pool's jobs), its rate, or a debounce still collecting"
            ),
        ]
        | None
    ) = None
    next_start_at: (
        Annotated[Time, Meta(description="when the next waiting run may start, when known")] | None
    ) = None


class FlowPage(Listing):
    items: list[FlowItem]
