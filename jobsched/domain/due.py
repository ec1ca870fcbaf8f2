"""What is due: the runs one due job gets now, as a pure function of its values.

The tick locks the due jobs, calls ``plan`` for each with the job's values and
``now``, and writes what it returns. The rules live here:

- missed occurrences (found more than ``GRACE`` after their time: the scheduler was
  down, or the job was paused) follow the job's ``catch_up``: ``none`` records them
  SKIPPED, ``latest`` runs the most recent one (the default), ``all`` runs those
  within ``catch_up_window`` of now, at most ``catch_up_max`` of the latest;
- a very long outage (more than ``MISSED_RUNS_LIMIT`` occurrences) writes one SKIPPED
  row at the first missed occurrence naming the range, not a row per occurrence;
- overlap, when several runs fall due at once or the previous run is unfinished
  (``busy``): ``allow`` runs them all; ``skip`` runs only the latest, and nothing
  while busy; ``buffer_one`` runs one and holds at most one more back (``Run.wait``)
  until the previous finishes; ``cancel_previous`` cancels the unfinished run and
  runs the latest;
- staging: the tick plans up to a ``horizon`` a little ahead of ``now`` so runs can
  wait in Redis and become claimable exactly at their time; only ``now`` decides
  what was missed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from jobsched.domain import cron, job_calendar

MISSED_RUNS_LIMIT = 100
"""At most this many occurrences one tick finds overdue each get their own row."""
GRACE = timedelta(minutes=1)
"""An occurrence found later than this after its time was missed (not merely late)."""
CATCH_UP_MODES = ("none", "latest", "all")
OVERLAP_POLICIES = ("allow", "skip", "buffer_one", "cancel_previous")


@dataclass(frozen=True)
class Run:
    """One occurrence to record."""

    scheduled_for: datetime
    skip_reason: str | None = None
    """Set: recorded SKIPPED with this reason instead of running."""
    wait: bool = False
    """Held back until the job's previous run finishes (``buffer_one``)."""
    start_after: datetime | None = None
    """Set: it may not start before this (deferred to its window's opening)."""


@dataclass(frozen=True)
class Plan:
    """What one due job gets now: its runs, and where its schedule moves to."""

    runs: list[Run]
    next_run_time: datetime | None
    last_run_time: datetime | None
    cancel_previous: bool = False
    """The job's unfinished runs are to be cancelled (``cancel_previous``)."""


@dataclass(frozen=True)
class CatchUp:
    mode: str = "latest"
    window: timedelta = timedelta(hours=1)
    max: int = 10


@dataclass(frozen=True)
class Pause:
    """When the job was paused and resumed, if that is why occurrences were missed."""

    since: datetime
    until: datetime


def plan(
    *,
    schedule: str | None,
    timezone: str,
    next_run_time: datetime,
    last_run_time: datetime | None,
    overlap_policy: str,
    busy: bool,
    now: datetime,
    waiting: bool = False,
    catch_up: CatchUp = CatchUp(),
    dst: cron.DstRule = cron.DEFAULT_DST,
    pause: Pause | None = None,
    horizon: datetime | None = None,
    limit: int = MISSED_RUNS_LIMIT,
    calendar_due: job_calendar.Due | None = None,
) -> Plan:
    """The runs of a job whose ``next_run_time`` has come (by ``horizon``, default
    ``now``). ``schedule`` None: a one-off job, due once at ``next_run_time``.
    ``busy``: the job has a run not yet finished; ``waiting``: one of them is held
    back. Raises what croniter or the zone raise for a schedule that no longer
    computes (the tick flags the job with it).

    ``calendar_due``: the job has a calendar, windows or bounds, and these are its
    occurrences due by ``horizon`` (``job_calendar.due``): those that run are planned
    as above (a deferred one keeps its opening as ``start_after``); those that do not
    are written nowhere (the ledger and explain recompute why)."""
    horizon = max(horizon or now, now)
    opening: dict[datetime, datetime] = {}
    if calendar_due is not None:
        running = [o for o in calendar_due.occurrences if o.starts is not None]
        times, truncated = [o.at for o in running], False
        opening = {o.at: o.starts for o in running if o.starts != o.at}  # type: ignore[misc]
    elif schedule is None:
        times, truncated = ([next_run_time] if next_run_time <= horizon else []), False
    else:
        times, truncated = cron.occurrences_until(
            schedule, timezone, next_run_time, horizon, limit, dst
        )
    runs: list[Run] = []
    if truncated:
        first = times[0]
        runs.append(Run(first, coalesced(first, times[-1])))
        times = times[-1:]
        if schedule is not None and catch_up.mode == "all":
            not_before = max(first + timedelta(microseconds=1), now - catch_up.window)
            times = cron.latest(schedule, timezone, horizon, catch_up.max, not_before, dst)
    # Late by more than GRACE, or due while the job was paused (on purpose): missed.
    missed = [t for t in times if t < now - GRACE or (pause and pause.since <= t < pause.until)]
    current = [t for t in times if t not in missed]
    chosen = set(_caught_up(missed, bool(current), catch_up, now))
    due: list[datetime] = []
    for t in missed:
        if t in chosen:
            due.append(t)
        else:
            runs.append(Run(t, missed_reason(t, catch_up, pause)))
    due += current
    decided, cancel = overlap(overlap_policy, due, busy, waiting)
    runs += decided
    runs.sort(key=lambda r: r.scheduled_for)
    if opening:
        runs = [
            replace(r, start_after=opening[r.scheduled_for])
            if r.skip_reason is None and r.scheduled_for in opening
            else r
            for r in runs
        ]
    if calendar_due is not None:
        upcoming = calendar_due.next_at
    elif schedule is None:
        upcoming = None if times else next_run_time
    else:
        upcoming = cron.next_run(schedule, timezone, horizon, dst)
    return Plan(
        runs=runs,
        next_run_time=upcoming,
        last_run_time=max((r.scheduled_for for r in runs), default=last_run_time),
        cancel_previous=cancel,
    )


def _caught_up(
    missed: list[datetime], current: bool, catch_up: CatchUp, now: datetime
) -> list[datetime]:
    """Which missed occurrences still run, by the job's catch-up mode."""
    if not missed or catch_up.mode == "none":
        return []
    if catch_up.mode == "latest":
        return [] if current else missed[-1:]
    in_window = [t for t in missed if t >= now - catch_up.window]
    return in_window[-catch_up.max :]


def missed_reason(when: datetime, catch_up: CatchUp, pause: Pause | None) -> str:
    """Why a missed occurrence did not run."""
    cause = (
        "the job was paused"
        if pause and pause.since <= when < pause.until
        else "the scheduler was down"
    )
    if catch_up.mode == "none":
        rule = "catch_up=none"
    elif catch_up.mode == "latest":
        rule = "catch_up=latest ran a later occurrence instead"
    else:
        rule = f"catch_up=all runs at most {catch_up.max} within {catch_up.window}"
    return f"missed while {cause}: {rule}"


def coalesced(first: datetime, latest: datetime) -> str:
    """Why the first missed occurrence of a long outage did not run."""
    return (
        f"missed while the scheduler was down: occurrences from {first.isoformat()} "
        f"until {latest.isoformat()} were coalesced; the job's catch_up decided "
        "which of the latest ran"
    )


UNFINISHED = "the previous run was still unfinished"
LATER_RAN = "a later occurrence due at the same time ran instead"


def overlap(policy: str, due: list[datetime], busy: bool, waiting: bool) -> tuple[list[Run], bool]:
    """The runs of occurrences due together (oldest first) under an overlap policy,
    and whether the job's unfinished runs are to be cancelled."""
    if policy == "allow" or not due:
        return [Run(t) for t in due], False
    tag = f"overlap_policy={policy}: "
    if policy == "skip":
        if busy:
            return [Run(t, tag + UNFINISHED) for t in due], False
        return [Run(t, tag + LATER_RAN) for t in due[:-1]] + [Run(due[-1])], False
    if policy == "cancel_previous":
        return [Run(t, tag + LATER_RAN) for t in due[:-1]] + [Run(due[-1])], busy
    if policy == "buffer_one":
        runs: list[Run] = []
        for t in due:
            if not busy:
                runs.append(Run(t))
                busy = True
            elif not waiting:
                runs.append(Run(t, wait=True))
                waiting = True
            else:
                runs.append(Run(t, tag + "a run was already waiting for the previous one"))
        return runs, False
    raise ValueError(f"unknown overlap_policy {policy!r}")
