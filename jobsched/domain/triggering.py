"""What a trigger or a backfill becomes, decided on values alone: when each run is
due, the jitter of its start, what it runs with (the job's values or the run's
overrides), its idempotency keys, and whether the job has room for it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

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
        "now": now,
    }


def triggered_executions(
    job: Mapping[str, Any],
    ids: Sequence[uuid.UUID],
    times: Sequence[datetime],
    runs: Sequence[Mapping[str, Any]],
    now: datetime,
    keys: Sequence[str] | None,
    queued: bool,
) -> list[NewExecution]:
    """A trigger's runs as they are written, in the order asked for: every value is the
    job's snapshot, the run's override or a column default, all known before the write
    (``test_handoff.py`` compares them with the stored rows)."""
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
            ),
            cap,
        )
        for i, (sid, run, when) in enumerate(zip(map(str, ids), runs, times, strict=True))
    ]


def needs_job(body: Any) -> bool:
    """Whether deciding a trigger's runs needs its job read first: a run that overrides
    the payload is checked against the job's handler (and, for a key below admin,
    against what the handler lets it change); the other values need nothing of it."""
    runs = body.get("runs") if isinstance(body, dict) else None
    asked = runs if isinstance(runs, list) else [body]
    return any(isinstance(run, dict) and "payload" in run for run in asked)
