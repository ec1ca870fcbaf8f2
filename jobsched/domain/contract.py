"""The API's request bodies as typed models (msgspec Structs): every field's type and
bounds are declared once, here.

Request validation (``jobsched.domain.validation``) and the OpenAPI document
(``jobsched.api.openapi``) are derived from these classes; the HTTP-only shapes (query
parameters, paging and cursors, response bodies, errors) are in ``jobsched.api.wire``.
Checks a type cannot express (NUL, unpaired surrogates, NaN, depth and size of a JSON
document, a cron expression that never fires) are attached to the field's type with
``checked(...)`` and run by the validation once the value has the right type.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType, field

from jobsched.domain import cron, due, flow
from jobsched.domain.access import SCOPES
from jobsched.domain.audit import ACTIONS, ID_PATTERN, TARGET_TYPES
from jobsched.domain.bounded import MAX_JSON_BYTES, MAX_JSON_DEPTH, json_problem, text_problem
from jobsched.domain.states import AttemptOutcome, ExecutionStatus, JobStatus

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
MAX_TRIGGER_BATCH = 500
JOB_STATUSES = tuple(s.value for s in JobStatus)
EXECUTION_STATUSES = tuple(s.value for s in ExecutionStatus)
ATTEMPT_OUTCOMES = tuple(o.value for o in AttemptOutcome)
EXECUTION_SOURCES = ("schedule", "trigger", "backfill", "workflow")
"""What made an execution (the executions.source CHECK, migration 0019)."""
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
ISO_TIME: dict[str, Any] = {
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
    checked(_plausible, description="ISO 8601 time (without an offset: UTC)", **ISO_TIME),
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
UuidText = Annotated[str, Meta(extra_json_schema={"format": "uuid"})]
"""An id the API made, in an answer: every one is a UUID (the tables' primary keys)."""
Param = Annotated[str, checked(text_problem, max_length=MAX_PARAM_CHARS)]
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


# ------------------------------------------------- calendars, windows, bounds (issue 25)

CalendarName = Annotated[
    str,
    checked(
        problem="must be a calendar's name (1-64 letters, digits, '.', '_' or '-')",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="a business calendar (POST /calendars) the schedule follows",
    ),
]
NonBusinessDay = Annotated[
    Literal["skip", "next", "previous"],
    Meta(
        description="an occurrence on a day the calendar closes: skip it, or run it on the "
        "next or previous business day at the same wall-clock time"
    ),
]
BusinessDayRuleBody = Annotated[
    dict[str, Any],
    Meta(
        description='instead of schedule: {"business_day": 1..23 | -1..-23 | "last", "at": '
        '"HH:MM"} of each month on the calendar, in its zone ("last business day 18:00": '
        '{"business_day": "last", "at": "18:00"})'
    ),
]
WindowsBody = Annotated[
    list[dict[str, Any]],
    Meta(
        max_length=50,
        description='[{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}] in the job\'s '
        "zone: a run starts only inside one (on the calendar's business days, with one)",
    ),
]
BlackoutsBody = Annotated[
    list[dict[str, Any]],
    Meta(
        max_length=200,
        description='[{"start", "end"}] ISO times with offsets: no run starts inside one',
    ),
]
OutsideWindow = Annotated[
    Literal["defer", "skip"],
    Meta(
        description="a run due outside its windows or in a blackout: defer it to the "
        "next opening, or skip it"
    ),
]
OnWindowClose = Annotated[
    Literal["leave", "cancel"],
    Meta(
        description="a run still running when its window closes: leave it to finish, "
        "or cancel it (the reason names the closed window)"
    ),
]
MaxRuns = Annotated[
    int, Meta(ge=1, le=1_000_000, description="the schedule ends after this many runs")
]


class Model(Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are refused (and named)."""


# ------------------------------------------------------------------ flow control


class KeyRef(Model):
    """A key read from each run's payload."""

    ref: Annotated[str, Meta(max_length=MAX_PARAM_CHARS)] = field(name="$ref")


def _key_problem(key: str | KeyRef) -> str | None:
    if isinstance(key, KeyRef):
        return flow.ref_problem(key.ref)
    if not key.strip() or "\n" in key:
        return "must be non-blank text on one line"
    # Stored in a JSON column PostgreSQL refuses NUL and unpaired surrogates in.
    return text_problem(key)


FlowKey = Annotated[
    Annotated[str, Meta(min_length=1, max_length=flow.MAX_KEY_CHARS)] | KeyRef,
    checked(
        _key_problem,
        problem=f"must be text (1 to {flow.MAX_KEY_CHARS} characters, one line) or "
        '{"$ref": "payload.<path>"}',
        description='literal text, or {"$ref": "payload.<path>"} resolved per run',
    ),
]
FlowLimit = Annotated[int, Meta(ge=1, le=10_000)]
FlowMs = Annotated[int, Meta(ge=1, le=MAX_DAY_MS)]


class ConcurrencyControl(Model):
    """At most ``limit`` runs of one key running at once (the others wait in order)."""

    key: FlowKey
    limit: FlowLimit


class RateControl(Model):
    """At most ``limit`` starts of one key per ``period_ms``."""

    key: FlowKey
    limit: FlowLimit
    period_ms: FlowMs
    mode: Literal["queue", "reject"] = "queue"


class DebounceControl(Model):
    """Triggers of one key within ``delay_ms`` collapse into one run."""

    key: FlowKey
    delay_ms: FlowMs
    max_delay_ms: FlowMs | None = None


class SingletonControl(Model):
    """One queued or running run per key: a new one is skipped, replaces the queued one,
    or cancels the running one."""

    key: FlowKey
    mode: Literal["skip", "replace_queued", "cancel_running"] = "skip"


SPREAD_KEY = {
    "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
    "description": "text (one line), a number or a boolean",
}
SpreadKeys = Annotated[
    Annotated[
        list[Any],
        # What spread.keys_of takes of each key (checked there, naming the index).
        Meta(min_length=1, max_length=1000, extra_json_schema={"items": SPREAD_KEY}),
    ]
    | KeyRef,
    checked(
        lambda keys: flow.ref_problem(keys.ref) if isinstance(keys, KeyRef) else None,
        problem='must be a list of keys or {"$ref": "payload.<path>"}',
        description='the keys (a list), or {"$ref": "payload.<path>"} naming a list in '
        "the job's payload",
    ),
]
SpreadField = Annotated[
    str,
    checked(problem="must be a payload field name", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"),
]


class SpreadControl(Model):
    """Each occurrence runs once per key, each key's run starting at a stable offset
    (a hash of the key) within ``window_ms`` after the occurrence."""

    keys: SpreadKeys
    window_ms: FlowMs
    field: SpreadField = "spread_key"


FLOW_CONTROLS: dict[str, type[Model]] = {
    "concurrency": ConcurrencyControl,
    "rate": RateControl,
    "debounce": DebounceControl,
    "singleton": SingletonControl,
}


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
    calendar: CalendarName | None = None
    non_business_day: NonBusinessDay = "skip"
    business_day_rule: BusinessDayRuleBody | None = None
    windows: WindowsBody | None = None
    blackouts: BlackoutsBody | None = None
    outside_window: OutsideWindow = "defer"
    on_window_close: OnWindowClose = "leave"
    start_at: Annotated[When, Meta(description="the schedule's first instant")] | None = None
    end_at: Annotated[When, Meta(description="the schedule ends here (exclusive)")] | None = None
    max_runs: MaxRuns | None = None
    concurrency: ConcurrencyControl | None = None
    rate: RateControl | None = None
    debounce: DebounceControl | None = None
    singleton: SingletonControl | None = None
    spread: SpreadControl | None = None


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
    calendar: CalendarName | UnsetType | None = UNSET
    non_business_day: NonBusinessDay | UnsetType = UNSET
    business_day_rule: BusinessDayRuleBody | UnsetType | None = UNSET
    windows: WindowsBody | UnsetType | None = UNSET
    blackouts: BlackoutsBody | UnsetType | None = UNSET
    outside_window: OutsideWindow | UnsetType = UNSET
    on_window_close: OnWindowClose | UnsetType = UNSET
    start_at: When | UnsetType | None = UNSET
    end_at: When | UnsetType | None = UNSET
    max_runs: MaxRuns | UnsetType | None = UNSET
    runs_made: ReadOnly = UNSET
    concurrency: ConcurrencyControl | UnsetType | None = UNSET
    rate: RateControl | UnsetType | None = UNSET
    debounce: DebounceControl | UnsetType | None = UNSET
    singleton: SingletonControl | UnsetType | None = UNSET
    spread: SpreadControl | UnsetType | None = UNSET
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
    "runs_made",
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
    calendar: CalendarName | None = None
    non_business_day: NonBusinessDay = "skip"
    windows: WindowsBody | None = None
    blackouts: BlackoutsBody | None = None
    outside_window: OutsideWindow = "defer"


class CalendarBody(Model):
    """A business calendar (``domain.calendars.calendar_from_dict`` checks it, naming
    every bad field)."""

    name: Annotated[str, Meta(description="1-64 letters, digits, '.', '_' or '-'")]
    timezone: Annotated[str, Meta(description="IANA zone: the days are its days")]
    weekdays: (
        Annotated[list[str], Meta(description="working days, mon..sun (default mon-fri)")]
        | UnsetType
    ) = UNSET
    holidays: (
        Annotated[
            dict[str, str],
            Meta(description='public holidays: {"country": "FR", "subdivision"?: "57"}'),
        ]
        | UnsetType
    ) = UNSET
    dates: Annotated[list[str], Meta(description="extra closed dates, YYYY-MM-DD")] | UnsetType = (
        UNSET
    )
    ics: (
        Annotated[str, Meta(description="iCalendar text: each VEVENT closes its days")] | UnsetType
    ) = UNSET
    windows: WindowsBody | UnsetType | None = UNSET
    """For every job using the calendar, in its zone; a job's own take precedence."""
    blackouts: BlackoutsBody | UnsetType | None = UNSET


class Backfill(Model):
    """Run each occurrence of the job's schedule in ``start <= t < end`` once."""

    start: When
    end: When


Scope = Annotated[
    ScopeName,
    Meta(
        description="read: every GET; operate: also trigger, backfill, schedule previews, "
        "pause, resume, cancel, retry, redrive and dead-letter delete; admin: also create, "
        "update and delete jobs, and manage keys",
        # enums are listed sorted; clients that rank scopes read the order from here
        extra_json_schema={"x-ranked": list(SCOPES)},
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
