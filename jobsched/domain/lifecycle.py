"""A job's life cycle, decided on values alone: when it first runs, its next run after
an edit, what pausing and resuming set, and what a paused job refuses. The store writes
what these functions return; it decides none of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from jobsched.domain import cron, job_calendar
from jobsched.domain.models import StatusChange

SCHEDULE_ERROR_RETRY = timedelta(minutes=10)
"""How long a job whose schedule failed to compute waits before the tick tries again."""
TIMING = (
    "schedule",
    "timezone",
    "run_at",
    "dst_gap",
    "dst_overlap",
    "calendar",
    "non_business_day",
    "business_day_rule",
    "windows",
    "blackouts",
    "outside_window",
    "start_at",
    "end_at",
    "max_runs",
)
"""The fields of a job that decide when it runs: an edit of any of them recomputes
its next run."""
PAUSED = "PAUSED"
SCHEDULED = "SCHEDULED"


def dst_rule(job: Mapping[str, Any]) -> cron.DstRule:
    """What a job does with a local time a DST change skips or repeats."""
    return cron.DstRule(job.get("dst_gap", "shift"), job.get("dst_overlap", "first"))


def first_run(
    job: Mapping[str, Any], after: datetime, rules: job_calendar.Rules | None = None
) -> datetime | None:
    """When a job (as stored or about to be) first runs after ``after``: its next cron
    occurrence, its ``run_at`` for a one-off job (even if past: it then runs at
    once), or None for a job that only runs when triggered. With ``rules`` (its
    calendar, windows, bounds: ``job_calendar``), the first occurrence they let run."""
    if rules is not None:
        return job_calendar.first_run(job, rules, after, dst_rule(job), job.get("runs_made", 0))
    if job["schedule"]:
        return cron.next_run(job["schedule"], job["timezone"], after, dst_rule(job))
    return job.get("run_at")


def next_run_on_edit(
    current: Mapping[str, Any],
    data: Mapping[str, Any],
    now: datetime,
    rules: job_calendar.Rules | None = None,
) -> datetime | None:
    """A job's next run after an edit from ``current`` to ``data``: kept unless its
    timing changed (or a schedule was added to a job without one); none for a job left
    without schedule and run_at, or a paused one (resuming computes it)."""
    next_run = current["next_run_time"]
    changed = any(data.get(k) != current.get(k) for k in TIMING)
    scheduled = data["schedule"] or data.get("business_day_rule")
    if not scheduled and not data["run_at"]:
        next_run = None
    elif changed or (next_run is None and scheduled):
        next_run = first_run({**data, "runs_made": current.get("runs_made", 0)}, now, rules)
    if current["status"] == PAUSED:
        next_run = None
    return next_run


def status_change(
    current: Mapping[str, Any],
    status: str,
    now: datetime,
    describe: Callable[[BaseException], str] = lambda exc: f"{type(exc).__name__}: {exc}",
    rules: job_calendar.Rules | None = None,
) -> StatusChange:
    """Pausing clears the next run and notes when; resuming picks up from the pause (the
    occurrences missed meanwhile are the tick's to plan under the job's catch_up). A
    one-off job that already ran gets no next run; a stored schedule that no longer
    computes is flagged (``describe`` words why) and retried after
    ``SCHEDULE_ERROR_RETRY``."""
    if status != SCHEDULED:
        return StatusChange(None, current["schedule_error"], now, None)
    since = min(current["paused_at"] or now, now)
    try:
        next_run, error = first_run(current, since, rules), None
        if current["run_at"] and current["last_run_time"]:
            next_run = None  # a one-off job that already ran
    except Exception as exc:  # a stored schedule that no longer computes
        next_run, error = now + SCHEDULE_ERROR_RETRY, describe(exc)
    return StatusChange(next_run, error, current["paused_at"], now)


REFUSING_RUNS = (PAUSED,)
"""The job statuses that take no new runs (``refusal`` says why)."""


def refusal(status: str, action: str) -> str | None:
    """Why a job in ``status`` refuses new runs asked by ``action`` ("trigger",
    "backfill"); None: it takes them."""
    if status in REFUSING_RUNS:
        return f"job is paused; resume it before {action}ing"
    return None
