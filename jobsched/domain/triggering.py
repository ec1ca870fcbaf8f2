"""What a trigger or a backfill becomes, decided on values alone: when each run is
due, the jitter of its start, what it runs with (the job's values or the run's
overrides), its idempotency keys, and whether the job has room for it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from jobsched.domain import flow, spread
from jobsched.domain.execution_ids import new_execution_id
from jobsched.domain.models import SNAPSHOT, Execution, NewExecution, new_execution, occurrence_key
from jobsched.domain.states import ExecutionStatus


def run_time(run: Mapping[str, Any], now: datetime) -> datetime:
    """When a triggered run is due: its ``run_at``, ``delay_ms`` from now, or now (a
    time already past means now)."""
    if "run_at" in run:
        return max(run["run_at"], now)
    return now + timedelta(milliseconds=run.get("delay_ms", 0))


def start_after(
    execution_id: uuid.UUID, scheduled_for: datetime, jitter_ms: int
) -> datetime | None:
    """When a run may start at the earliest, spread over ``jitter_ms`` by its id: the
    same run always waits the same. None without jitter (at its time)."""
    if not jitter_ms:
        return None
    return scheduled_for + timedelta(milliseconds=execution_id.int % (jitter_ms + 1))


def overridden(job_value: Any, run_value: Any) -> Any:
    """A run's value: its own override, or its job's (the SQL's ``COALESCE``)."""
    return job_value if run_value is None else run_value


def trigger_keys(key: str | None, runs: int) -> list[str] | None:
    """The idempotency keys of a trigger's runs: the request's key for one run,
    ``key#i`` for each of a batch; None without a key (each run's id is its key)."""
    if key is None:
        return None
    return [key] if runs == 1 else [f"{key}#{i}" for i in range(runs)]


def room_refusal(unfinished: int, adding: int, limit: int | None) -> str | None:
    """Why ``adding`` runs do not fit a job with ``unfinished`` runs held to ``limit``
    (MAX_UNFINISHED_RUNS_PER_JOB); None: they fit (or there is no limit)."""
    if limit is None or unfinished + adding <= limit:
        return None
    return (
        f"the job has {unfinished} unfinished runs and holds at most {limit} "
        f"(MAX_UNFINISHED_RUNS_PER_JOB): {adding} more do not fit; let some "
        "finish, or cancel them"
    )


def not_yet_run(times: Sequence[datetime], ran: set[datetime]) -> list[datetime]:
    """The occurrences of a backfill's range still to run (never recorded, or SKIPPED)."""
    return [t for t in times if t not in ran]


def execution_row(
    job: Mapping[str, Any],
    scheduled_for: datetime,
    source: str,
    now: datetime,
    skip_reason: str | None = None,
    wait: bool = False,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """One scheduled or backfilled run of a job, as written: its id (from its time), its
    occurrence key, its start jitter, SKIPPED with ``skip_reason`` or PENDING (held back
    when ``wait``), and the job's snapshot."""
    eid = new_execution_id(scheduled_for)
    resolved, problem = _job_concurrency(job)
    rate = None
    if problem and not skip_reason:
        skip_reason = problem
    elif not problem:
        rate = flow.queued_rate(
            flow.rate_of(flow.controls_of(job, job.get("handler_flow")), job["payload"])
        )
    return {
        "id": eid,
        "idempotency_key": occurrence_key(str(job["id"]), scheduled_for),
        "on_hold": wait,
        # A run deferred to its window's opening (not_before) is jittered from there.
        "start_after": start_after(eid, not_before or scheduled_for, job.get("start_jitter_ms", 0))
        or not_before,
        "job_id": job["id"],
        "source": source,
        "status": (ExecutionStatus.SKIPPED if skip_reason else ExecutionStatus.PENDING).value,
        "scheduled_for": scheduled_for,
        **{k: job[k] for k in SNAPSHOT},
        "error": skip_reason,
        "finished_at": now if skip_reason else None,
        "concurrency_key": resolved.key if resolved else None,
        "concurrency_limit": resolved.limit if resolved else None,
        "rate_key": rate.key if rate else None,
        "rate_limit": rate.limit if rate else None,
        "rate_period_ms": rate.period_ms if rate else None,
        "spread_key": None,
        "now": now,
    }


def occurrence_rows(
    job: Mapping[str, Any],
    scheduled_for: datetime,
    source: str,
    now: datetime,
    skip_reason: str | None = None,
    wait: bool = False,
    not_before: datetime | None = None,
) -> list[dict[str, Any]]:
    """An occurrence's runs as written: its one run (``execution_row``), or under a
    ``spread`` one per key, each with the job's payload plus its key and held back to
    its key's stable offset after the occurrence (or after its window's opening). Keys
    the job's payload cannot give skip the occurrence, saying why."""
    rule = job.get("spread")
    if not rule or skip_reason:
        return [execution_row(job, scheduled_for, source, now, skip_reason, wait, not_before)]
    try:
        runs = spread.runs(rule, job["payload"], not_before or scheduled_for)
    except flow.KeyMissing as exc:
        problem = f"{exc.field} {exc.problem}"
        return [execution_row(job, scheduled_for, source, now, problem, wait, not_before)]
    rows = []
    for run in runs:
        row = execution_row(
            {**job, "payload": run.payload}, scheduled_for, source, now, None, wait, run.start_after
        )
        row["idempotency_key"] = f"{row['idempotency_key']}:{run.key}"
        row["spread_key"] = run.key
        rows.append(row)
    return rows


def _job_concurrency(job: Mapping[str, Any]) -> tuple[flow.Concurrency | None, str | None]:
    """A scheduled run's concurrency control, resolved from its job's payload, or why it
    cannot run (its key's path is missing: the run is written SKIPPED saying so; a job
    saved with a schedule was refused for that, so only a handler's default added
    later can get here). The job's row carries its handler's defaults as
    ``handler_flow``."""
    controls = flow.controls_of(job, job.get("handler_flow"))
    try:
        return flow.concurrency_of(controls, job["payload"]), None
    except flow.KeyMissing as exc:
        return None, f"flow control: {exc.field} {exc.problem}"


def triggered_executions(
    job: Mapping[str, Any],
    ids: Sequence[uuid.UUID],
    times: Sequence[datetime],
    runs: Sequence[Mapping[str, Any]],
    now: datetime,
    keys: Sequence[str] | None,
    queued: bool,
    concurrency: Sequence[flow.Concurrency | None] | None = None,
    rates: Sequence[flow.Rate | None] | None = None,
) -> list[NewExecution]:
    """A trigger's runs as they are written, in the order asked for: every value is the
    job's snapshot, the run's override or a column default, all known before the write
    (``test_handoff.py`` compares them with the stored rows). ``concurrency``: each
    run's resolved concurrency control (``run_concurrency``; None: none)."""
    status = (ExecutionStatus.QUEUED if queued else ExecutionStatus.PENDING).value
    queued_at = now if queued else None
    job_id = str(job["id"])
    cap = job["max_concurrency"]
    return [
        new_execution(
            Execution(
                id=sid,
                job_id=job_id,
                job_name=job["name"],
                status=status,
                source="trigger",
                handler=job["handler"],
                pool=job["pool"],
                payload=overridden(job["payload"], run.get("payload")),
                scheduled_for=when,
                priority=overridden(job["priority"], run.get("priority")),
                attempt=0,
                max_retries=job["max_retries"],
                worker_id=None,
                queued_at=queued_at,
                started_at=None,
                finished_at=None,
                next_attempt_at=None,
                duration_ms=None,
                result=None,
                error=None,
                waiting=None,
                attempts=[],
                idempotency_key=sid if keys is None else keys[i],
                on_hold=False,
                alerts=[],
                start_after=None,
                created_at=now,
                updated_at=now,
                workflow_run_id=None,
                step_id=None,
                concurrency_key=c.key if (c := _nth(concurrency, i)) else None,
                concurrency_limit=c.limit if c else None,
                rate_key=r.key if (r := flow.queued_rate(_nth(rates, i))) else None,
                rate_limit=r.limit if r else None,
                rate_period_ms=r.period_ms if r else None,
            ),
            cap,
        )
        for i, (sid, run, when) in enumerate(zip(map(str, ids), runs, times, strict=True))
    ]


def _nth(values: Sequence[Any] | None, i: int) -> Any:
    return None if values is None else values[i]


def run_rates(
    job: Mapping[str, Any], defaults: Mapping[str, Any] | None, runs: Sequence[Mapping[str, Any]]
) -> list[flow.Rate | None]:
    """Each triggered run's rate control, resolved for its payload (keys checked by
    ``run_concurrency`` first)."""
    controls = flow.controls_of(job, defaults)
    return [flow.rate_of(controls, overridden(job["payload"], run.get("payload"))) for run in runs]


def run_concurrency(
    job: Mapping[str, Any],
    defaults: Mapping[str, Any] | None,
    runs: Sequence[Mapping[str, Any]],
    batch: bool,
) -> list[flow.Concurrency | None]:
    """Each triggered run's concurrency control, resolved for its payload (its own
    override, or its job's). Raises ``KeyProblems`` naming every run whose payload
    gives a control no key."""
    controls = flow.controls_of(job, defaults)
    out: list[flow.Concurrency | None] = []
    problems: dict[str, str] = {}
    for i, run in enumerate(runs):
        payload = overridden(job["payload"], run.get("payload"))
        where = f"runs[{i}]." if batch else ""
        problems.update(flow.key_problems(controls, payload, where))
        if not problems:
            out.append(flow.concurrency_of(controls, payload))
    if problems:
        raise KeyProblems(problems)
    return out


class KeyProblems(ValueError):
    """Triggered runs whose payload gives a flow control no key: ``{field: problem}``."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


def needs_job(body: Any) -> bool:
    """Whether deciding a trigger's runs needs its job read first: a run that overrides
    the payload is checked against the job's handler (and, for a key below admin,
    against what the handler lets it change); the other values need nothing of it."""
    runs = body.get("runs") if isinstance(body, dict) else None
    asked = runs if isinstance(runs, list) else [body]
    return any(isinstance(run, dict) and "payload" in run for run in asked)
