"""What a trigger or a backfill becomes, decided on values alone: when each run is
due, the jitter of its start, what it runs with (the job's values or the run's
overrides), its idempotency keys, and whether the job has room for it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any


def run_time(run: Mapping[str, Any], now: datetime) -> datetime:
    """When a triggered run is due: its ``run_at``, ``delay_ms`` from now, or now (a
    time already past means now)."""
    if "run_at" in run:
        return max(run["run_at"], now)
    return now + timedelta(milliseconds=run.get("delay_ms", 0))


def start_after(run_id: uuid.UUID, scheduled_for: datetime, jitter_ms: int) -> datetime | None:
    """When a run may start at the earliest, spread over ``jitter_ms`` by its id: the
    same run always waits the same. None without jitter (at its time)."""
    if not jitter_ms:
        return None
    return scheduled_for + timedelta(milliseconds=run_id.int % (jitter_ms + 1))


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
