"""What a job's calendar, windows and bounds do to its schedule: one stream of
occurrences that the tick, the previews, the backfill, the ledger and ``explain`` all
read, so they all say the same.

An occurrence is a fire time of the job's schedule (its cron expression, or its
business-day rule on its calendar). Then, in this order:

1. its calendar's ``non_business_day`` rule skips it or moves it to the next or
   previous business day (``business_schedule.plan``; two landing on one instant merge);
2. the bounds drop it: before ``start_at`` it is not the schedule's, at or after
   ``end_at`` (or once ``max_runs`` runs were made) the schedule has ended;
3. its windows and blackouts (``windows.admit``) let it start at its time, defer it
   to the next opening, or skip it (``outside_window``). Occurrences deferred to one
   opening start once there: the later ones are merged into the first.

``at`` is where an occurrence is recorded (its run's ``scheduled_for``, the job's
``next_run_time``): its fire time, or where the calendar moved it. ``starts`` is when
it may start (``at``, or the opening it was deferred to: the run's ``start_after``),
None when it does not run. Nothing here reads the clock or a store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from jobsched.domain import business_schedule, cron, windows
from jobsched.domain.bounds import NO_BOUNDS, Bounds
from jobsched.domain.business_schedule import (
    BusinessDayRule,
    CalendarOccurrence,
    business_day_rule_from_dict,
)
from jobsched.domain.calendars import Calendar, calendar_from_dict
from jobsched.errors import ValidationError

RUN, MOVED, DEFERRED, SKIPPED, MERGED = "run", "moved", "deferred", "skipped", "merged"
SCAN_LIMIT = 5000
"""At most this many occurrences are looked at to find the next one that runs: a
schedule whose every occurrence is skipped for a long stretch (every day closed, a
window that never opens) moves on by this many per look instead of searching forever."""
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Rules:
    """A job's calendar rules, windows and bounds, checked."""

    calendar: Calendar | None = None
    non_business_day: str = "skip"
    business_day: BusinessDayRule | None = None
    window: windows.WindowPolicy | None = None
    """None: no windows and no blackouts (a run may start whenever it is due)."""
    bounds: Bounds = NO_BOUNDS


@dataclass(frozen=True)
class JobOccurrence:
    scheduled: datetime
    """The schedule's own fire time."""
    at: datetime
    """Where it is recorded: its fire time, or the time the calendar moved it to."""
    starts: datetime | None
    """When it may start (``at``, or the opening it waits for); None: it does not run."""
    outcome: str
    """run, moved, deferred, skipped or merged."""
    reason: str | None = None
    recorded: bool = True
    """False for an occurrence merged into a run recorded at the same ``at``."""


def calendar_body(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored calendar row as the API body it was written from."""
    body: dict[str, Any] = {
        "name": row["name"],
        "timezone": row["timezone"],
        "weekdays": list(row["weekdays"]),
        # Dates are date values from a row, text from a row read as JSON.
        "dates": [d if isinstance(d, str) else d.isoformat() for d in row["dates"] or []],
    }
    if row.get("holiday_country"):
        body["holidays"] = {"country": row["holiday_country"]}
        if row.get("holiday_subdivision"):
            body["holidays"]["subdivision"] = row["holiday_subdivision"]
    if row.get("ics") is not None:
        body["ics"] = row["ics"]
    for key in ("windows", "blackouts"):
        if row.get(key) is not None:
            body[key] = row[key]
    return body


def calendar_of_row(row: Mapping[str, Any]) -> Calendar:
    """A stored calendar, checked as when it was written. Parsed once per content (its
    ICS text is the costly part): the tick reads a calendar every pass."""
    return _parsed(json.dumps(calendar_body(row), sort_keys=True))


def stored_problem(exc: Exception) -> str:
    """What a stored calendar or rule that no longer checks (``calendar_of_row``,
    ``rules_of``) says is wrong, for a 409: the caller sent nothing wrong, so its
    fields are no 400's; the row must be written again."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{field}: {problem}" for field, problem in exc.fields.items())
    return str(exc)


@lru_cache(maxsize=256)
def _parsed(body: str) -> Calendar:
    return calendar_from_dict(json.loads(body))


def rules_of(job: Mapping[str, Any], calendar: Calendar | None) -> Rules | None:
    """A stored (or validated) job's rules; None when it uses none of them, so its
    schedule runs as it always has. Raises ValidationError for stored values that no
    longer check (the tick flags the job with it)."""
    bounds = Bounds(job.get("start_at"), job.get("end_at"), job.get("max_runs"))
    window = window_policy(job, job.get("timezone"), calendar)
    if calendar is None and window is None and bounds == NO_BOUNDS:
        return None
    rule = job.get("business_day_rule")
    return Rules(
        calendar=calendar,
        non_business_day=job.get("non_business_day") or "skip",
        business_day=business_day_rule_from_dict(rule) if rule else None,
        window=window,
        bounds=bounds,
    )


def waiting_window(row: Mapping[str, Any]) -> windows.WindowPolicy | None:
    """The windows and blackouts a retry, a manual trigger or a backfill waits for, from
    a row with the job's ``windows``, ``blackouts``, ``job_timezone``, ``job_calendar``
    (the calendar's row) and ``outside_window`` (a claimed run's row has none: a retry
    is the same run, deferred, never skipped); None: none."""
    stored = row.get("job_calendar")
    calendar = calendar_of_row(stored) if stored else None
    return window_policy(row, row.get("job_timezone"), calendar)


def window_policy(
    job: Mapping[str, Any], timezone: str | None, calendar: Calendar | None
) -> windows.WindowPolicy | None:
    """The windows and blackouts a job's runs start in: its own ``windows`` and
    ``blackouts``, each one it does not set taken from its calendar's (so a job's own
    take precedence). Its own windows are in the job's zone, the calendar's in the
    calendar's. None: no windows and no blackouts at all."""
    own_windows, own_blackouts = job.get("windows"), job.get("blackouts")
    found = own_windows or (calendar.windows if calendar else None)
    blocked = own_blackouts or (calendar.blackouts if calendar else None)
    if not (found or blocked):
        return None
    zone = timezone or "UTC"
    if not own_windows and found and calendar is not None:
        zone = calendar.timezone
    body = {
        "windows": found,
        "blackouts": blocked,
        "outside_window": job.get("outside_window") or "defer",
    }
    return windows.policy_from_dict(body, zone, calendar)


def deferred_start(at: datetime, window: windows.WindowPolicy | None) -> datetime:
    """``at``, or the next opening when ``at`` is outside the windows or in a blackout
    (none within the search horizon: ``at``)."""
    if window is None or windows.is_open(at, window):
        return at
    return windows.next_opening(at, window) or at


def fires_from(
    job: Mapping[str, Any], rules: Rules, dst: cron.DstRule
) -> Callable[[datetime], Iterator[datetime]]:
    """The job's own fire times strictly after a time: its business-day rule's, its
    cron schedule's, or a one-off job's ``run_at``."""
    if rules.business_day is not None and rules.calendar is not None:
        rule, calendar = rules.business_day, rules.calendar
        return lambda t: business_schedule.business_day_fires(rule, calendar, t, dst)
    schedule = job.get("schedule")
    if schedule:
        zone = job.get("timezone") or "UTC"
        return lambda t: cron.fires(schedule, zone, t, dst)
    run_at = job.get("run_at")
    return lambda t: iter([run_at] if run_at is not None and run_at > t else [])


def stream(
    job: Mapping[str, Any],
    rules: Rules,
    after: datetime,
    dst: cron.DstRule = cron.DEFAULT_DST,
    runs_made: int = 0,
    counted_from: datetime | None = None,
) -> Iterator[JobOccurrence]:
    """The job's occurrences whose ``at`` is strictly after ``after``, oldest first.

    ``runs_made``: runs already made towards ``max_runs``, by the occurrences before
    ``counted_from`` (default: ``after``); those between ``after`` and it are looked
    at (so a deferred one merges what follows) but neither counted nor yielded."""
    counted_from = counted_from or after
    if rules.bounds.start_at is not None:
        # Nothing before start_at is the schedule's: a frequent schedule that starts a
        # year from now is not walked fire by fire until then.
        after = max(after, rules.bounds.start_at - _TICK)
    fires = fires_from(job, rules, dst)
    if rules.calendar is not None and rules.business_day is None:
        found: Iterator[CalendarOccurrence] = business_schedule.plan(
            fires, rules.calendar, rules.non_business_day, after, dst
        )
    else:
        found = (CalendarOccurrence(t, t, business_schedule.RUN) for t in fires(after))
    bounds = rules.bounds
    made = runs_made
    last_start: datetime | None = None
    last_at: datetime | None = None
    for occ in found:
        at = occ.runs_at or occ.scheduled
        counted = at >= counted_from
        if bounds.end_at is not None and at >= bounds.end_at:
            return
        if bounds.start_at is not None and at < bounds.start_at:
            continue
        if counted and bounds.max_runs is not None and made >= bounds.max_runs:
            return
        if occ.outcome in (business_schedule.SKIPPED, business_schedule.MERGED):
            merged_here = occ.outcome == business_schedule.MERGED
            if counted:
                yield JobOccurrence(
                    occ.scheduled, at, None, occ.outcome, occ.reason, not merged_here
                )
            continue
        outcome = MOVED if occ.outcome == business_schedule.MOVED else RUN
        reason, starts = occ.reason, at
        if rules.window is not None:
            admission = windows.admit(at, rules.window)
            if admission.outcome == windows.SKIPPED:
                if counted:
                    yield JobOccurrence(
                        occ.scheduled, at, None, SKIPPED, _join(reason, admission.reason)
                    )
                continue
            if admission.outcome == windows.DEFERRED:
                starts, outcome = admission.at, DEFERRED
                reason = _join(reason, f"{admission.reason} {admission.at.isoformat()}")  # type: ignore[union-attr]
        if starts == last_start:
            why = _join(reason, f"merged into the run starting at {starts.isoformat()}")
            if counted:
                yield JobOccurrence(occ.scheduled, at, None, MERGED, why, at != last_at)
            continue
        last_start, last_at = starts, at
        if counted:
            made += 1
            yield JobOccurrence(occ.scheduled, at, starts, outcome, reason)


def _join(first: str | None, second: str | None) -> str | None:
    return "; ".join(p for p in (first, second) if p) or None


@dataclass(frozen=True)
class Due:
    """The occurrences a due job gets by ``horizon``, and where its schedule moves to."""

    occurrences: list[JobOccurrence]
    next_at: datetime | None
    """The ``at`` of the next occurrence that runs (the job's next_run_time), or where
    the search stopped (``SCAN_LIMIT``); None: the schedule has ended."""
    truncated: bool = False


def due(
    job: Mapping[str, Any],
    rules: Rules,
    next_run_time: datetime,
    horizon: datetime,
    dst: cron.DstRule = cron.DEFAULT_DST,
    runs_made: int = 0,
    limit: int = 100,
) -> Due:
    """The occurrences recorded at ``next_run_time <= at <= horizon`` (at most
    ``limit``; then ``truncated``) and the next one that runs after them. The stream is
    read from the schedule's fire before ``next_run_time``: when that one was deferred
    to an opening, the occurrences deferred to the same opening merge into it, tick
    after tick (every occurrence of a closed stretch defers to one opening, so the one
    before is enough, and finding it costs what ``cron.latest`` costs)."""
    seed = previous_fire(job, rules, next_run_time, dst)
    after = (seed or next_run_time) - _TICK
    found: list[JobOccurrence] = []
    looked = 0
    for occ in stream(job, rules, after, dst, runs_made, counted_from=next_run_time):
        looked += 1
        if occ.at > horizon:
            if occ.starts is not None or looked >= SCAN_LIMIT:
                return Due(found, occ.at)
            continue
        if len(found) >= limit:
            return Due(found, occ.at, truncated=True)
        found.append(occ)
    return Due(found, None)


def previous_fire(
    job: Mapping[str, Any], rules: Rules, before: datetime, dst: cron.DstRule
) -> datetime | None:
    """The job's last fire time before ``before`` (None: none within a year)."""
    if job.get("schedule") and rules.business_day is None:
        found = cron.latest(
            job["schedule"], job.get("timezone") or "UTC", before - _TICK, 1, rule=dst
        )
        return found[-1] if found else None
    last = None
    for t in fires_from(job, rules, dst)(before - timedelta(days=366)):
        if t >= before:
            break
        last = t
    return last


def upcoming(
    job: Mapping[str, Any],
    rules: Rules,
    after: datetime,
    count: int,
    dst: cron.DstRule = cron.DEFAULT_DST,
    runs_made: int = 0,
) -> list[JobOccurrence]:
    """The next ``count`` occurrences that run, recorded after ``after``."""
    found: list[JobOccurrence] = []
    for looked, occ in enumerate(stream(job, rules, after, dst, runs_made)):
        if occ.starts is not None:
            found.append(occ)
            if len(found) == count:
                break
        if looked >= SCAN_LIMIT:
            break
    return found


def first_run(
    job: Mapping[str, Any],
    rules: Rules,
    after: datetime,
    dst: cron.DstRule = cron.DEFAULT_DST,
    runs_made: int = 0,
) -> datetime | None:
    """Where the job is next due (its next_run_time) after ``after``; None: never."""
    if not job.get("schedule") and rules.business_day is None:
        run_at = job.get("run_at")
        if run_at is None:
            return None
        # A one-off job whose time is past still runs (at once), as without rules.
        after = min(after, run_at - _TICK)
    found = upcoming(job, rules, after, 1, dst, runs_made)
    return found[0].at if found else None


def between(
    job: Mapping[str, Any],
    rules: Rules,
    since: datetime,
    until: datetime,
    limit: int,
    dst: cron.DstRule = cron.DEFAULT_DST,
) -> tuple[list[JobOccurrence], bool]:
    """Every occurrence (those that run and those that do not) with ``since <= at <
    until``: at most ``limit``, and whether there were more. ``max_runs`` is not
    applied (the ledger shows what was recorded)."""
    unbounded = Rules(
        rules.calendar,
        rules.non_business_day,
        rules.business_day,
        rules.window,
        Bounds(rules.bounds.start_at, rules.bounds.end_at, None),
    )
    found: list[JobOccurrence] = []
    for occ in stream(job, unbounded, since - _TICK, dst):
        if occ.at >= until:
            return found, False
        if len(found) == limit:
            return found, True
        found.append(occ)
    return found, False
