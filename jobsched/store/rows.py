"""Row (dict) -> domain model conversion: what a read fills in of the values computed
at read time (``duration_ms``, a run's default idempotency key; ``waiting`` and a job's
``upcoming_runs`` left for the use case)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobsched.domain.models import (
    Alert,
    Attempt,
    DeadLetter,
    Execution,
    Job,
    QueueItem,
    default_key,
    duration_ms,
)


def _dt(value: Any) -> datetime | None:
    """A time from a stored JSON history; one that no longer parses reads as unknown
    (None), so one damaged entry cannot make a list of runs fail for everyone."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def job_from_row(row: dict[str, Any]) -> Job:
    """A job as the API shows it (its notify secret is not read: ``jobsched/notify.py``
    reads it where it signs)."""
    return Job(
        id=str(row["id"]),
        name=row["name"],
        description=row["description"],
        handler=row["handler"],
        payload=row["payload"],
        schedule=row["schedule"],
        timezone=row["timezone"],
        priority=row["priority"],
        max_retries=row["max_retries"],
        timeout_ms=row["timeout_ms"],
        retry_backoff_ms=row["retry_backoff_ms"],
        retry_backoff_max_ms=row["retry_backoff_max_ms"],
        overlap_policy=row["overlap_policy"],
        status=row["status"],
        pool=row.get("pool", "default"),
        max_concurrency=row.get("max_concurrency"),
        waiting=None,
        schedule_error=row.get("schedule_error"),
        next_run_time=row["next_run_time"],
        last_run_time=row["last_run_time"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        run_at=row.get("run_at"),
        dst_gap=row.get("dst_gap", "shift"),
        dst_overlap=row.get("dst_overlap", "first"),
        catch_up=row.get("catch_up", "latest"),
        catch_up_window_s=row.get("catch_up_window_s", 3600),
        catch_up_max=row.get("catch_up_max", 10),
        start_jitter_ms=row.get("start_jitter_ms", 0),
        max_start_delay_ms=row.get("max_start_delay_ms"),
        max_duration_ms=row.get("max_duration_ms"),
        notify_url=row.get("notify_url"),
        calendar=row.get("calendar"),
        non_business_day=row.get("non_business_day", "skip"),
        business_day_rule=row.get("business_day_rule"),
        windows=row.get("windows"),
        blackouts=row.get("blackouts"),
        outside_window=row.get("outside_window", "defer"),
        on_window_close=row.get("on_window_close", "leave"),
        start_at=row.get("start_at"),
        end_at=row.get("end_at"),
        max_runs=row.get("max_runs"),
        runs_made=row.get("runs_made", 0),
        concurrency=row.get("concurrency"),
        rate=row.get("rate"),
        debounce=row.get("debounce"),
        singleton=row.get("singleton"),
        spread=row.get("spread"),
        upcoming_runs=[],
    )


def attempts_from_json(items: Any) -> list[Attempt]:
    """A run's attempt history as stored; entries that are not objects are left out and
    a missing number is the entry's place (histories are written by this code, but a
    stored row must never make the list it is in fail)."""
    if not isinstance(items, list):
        return []
    return [
        Attempt(
            number=a["number"] if isinstance(a.get("number"), int) else i,
            worker_id=_text(a.get("worker_id")),
            started_at=_dt(a.get("started_at")),
            finished_at=_dt(a.get("finished_at")),
            outcome=_text(a.get("outcome")),
            error=_text(a.get("error")),
        )
        for i, a in enumerate(items, 1)
        if isinstance(a, dict)
    ]


def alerts_from_json(items: Any) -> list[Alert]:
    """A run's SLA alerts as stored, those that still read as alerts."""
    if not isinstance(items, list):
        return []
    return [
        Alert(kind=a["kind"], at=a["at"], detail=_text(a.get("detail")) or "")
        for a in items
        if isinstance(a, dict) and isinstance(a.get("kind"), str) and isinstance(a.get("at"), str)
    ]


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def execution_from_row(row: dict[str, Any]) -> Execution:
    started, finished = row.get("started_at"), row.get("finished_at")
    eid, job_id = str(row["id"]), str(row["job_id"])
    return Execution(
        id=eid,
        job_id=job_id,
        job_name=row.get("job_name"),
        status=row["status"],
        source=row["source"],
        handler=row["handler"],
        pool=row.get("pool", "default"),
        payload=row["payload"],
        scheduled_for=row["scheduled_for"],
        priority=row["priority"],
        attempt=row["attempt"],
        max_retries=row["max_retries"],
        worker_id=row.get("worker_id"),
        queued_at=row["queued_at"],
        started_at=started,
        finished_at=finished,
        next_attempt_at=row["next_attempt_at"],
        duration_ms=duration_ms(started, finished),
        result=row.get("result"),
        error=row["error"],
        waiting=None,
        attempts=attempts_from_json(row["attempts"]),
        idempotency_key=row.get("idempotency_key")
        or default_key(row["source"], eid, job_id, row["scheduled_for"]),
        on_hold=row.get("on_hold", False),
        alerts=alerts_from_json(row.get("alerts")),
        start_after=row.get("start_after"),
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
        workflow_run_id=str(row["workflow_run_id"]) if row.get("workflow_run_id") else None,
        step_id=row.get("step_id"),
        concurrency_key=row.get("concurrency_key"),
        concurrency_limit=row.get("concurrency_limit"),
        rate_key=row.get("rate_key"),
        rate_limit=row.get("rate_limit"),
        rate_period_ms=row.get("rate_period_ms"),
    )


def dead_letter_from_row(row: dict[str, Any]) -> DeadLetter:
    return DeadLetter(
        id=str(row["id"]),
        execution_id=str(row["execution_id"]),
        job_id=str(row["job_id"]),
        job_name=row.get("job_name"),
        handler=row["handler"],
        payload=row["payload"],
        error=row["error"],
        attempts=row["attempts"],
        reason=row["reason"],
        created_at=row["created_at"],
    )


def queue_item(row: dict[str, Any]) -> QueueItem:
    return QueueItem(
        str(row["id"]),
        row["priority"],
        row.get("pool", "default"),
        str(row.get("job_id", "")),
        row.get("max_concurrency"),
        row.get("handler", ""),
        row.get("concurrency_key"),
        row.get("concurrency_limit"),
        row.get("rate_key"),
        row.get("rate_limit"),
        row.get("rate_period_ms"),
        row.get("debounce_key") is not None,
    )
