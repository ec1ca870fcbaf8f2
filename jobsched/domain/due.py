"""What is due: the runs one due cron job gets now, as a pure function of its values.

The tick locks the due jobs, calls ``plan`` for each with the job's values and
``now``, and writes what it returns. Two rules live here:

- coalescing: after a short outage every missed occurrence runs; after a long one
  (more than ``MISSED_RUNS_LIMIT``) only the latest runs, and one SKIPPED row at the
  first missed occurrence says which ones were coalesced into it;
- overlap: under ``overlap_policy=skip`` an occurrence that falls due while the
  job's previous run is unfinished is recorded SKIPPED instead of running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jobsched.domain import cron

MISSED_RUNS_LIMIT = 100
"""At most this many occurrences one tick finds overdue each get their own run."""


@dataclass(frozen=True)
class Run:
    """One occurrence to record."""

    scheduled_for: datetime
    skip_reason: str | None = None
    """Set: recorded SKIPPED with this reason instead of running."""


@dataclass(frozen=True)
class Plan:
    """What one due job gets now: its runs, and where its schedule moves to."""

    runs: list[Run]
    next_run_time: datetime
    last_run_time: datetime | None


def plan(
    *,
    schedule: str,
    timezone: str,
    next_run_time: datetime,
    last_run_time: datetime | None,
    overlap_policy: str,
    busy: bool,
    now: datetime,
    limit: int = MISSED_RUNS_LIMIT,
) -> Plan:
    """The runs of a job whose ``next_run_time`` has come. ``busy``: the job has a run
    not yet finished. Raises what croniter or the zone raise for a schedule that no
    longer computes (the tick flags the job with it)."""
    times, truncated = cron.occurrences_until(schedule, timezone, next_run_time, now, limit)
    runs: list[Run] = []
    if truncated:
        first, latest = times[0], times[-1]
        runs.append(Run(first, coalesced(first, latest)))
        times = [latest]
    for i, when in enumerate(times):
        runs.append(Run(when, overlap_skip(overlap_policy, busy, i, len(times))))
    return Plan(
        runs=runs,
        next_run_time=cron.next_run(schedule, timezone, now),
        last_run_time=times[-1] if times else last_run_time,
    )


def coalesced(first: datetime, latest: datetime) -> str:
    """Why the first missed occurrence of a long outage did not run."""
    return (
        f"missed while the scheduler was down: occurrences from {first.isoformat()} "
        f"until {latest.isoformat()} were coalesced into the run at {latest.isoformat()}"
    )


def overlap_skip(policy: str, busy: bool, index: int, count: int) -> str | None:
    """Why occurrence ``index`` of ``count`` due now is skipped (None: it runs).

    Under ``skip`` only the latest may run, and only if no earlier run is unfinished;
    under ``allow`` every occurrence runs."""
    if policy != "skip":
        return None
    if busy:
        return "overlap_policy=skip: the previous run was still unfinished"
    if index < count - 1:
        return "overlap_policy=skip: a later occurrence due at the same time ran instead"
    return None
