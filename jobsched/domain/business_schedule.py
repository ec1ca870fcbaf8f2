"""Schedules that speak business days, and what a calendar does to any schedule.

- ``BusinessDayRule``: the Nth (or, counted from the end, the last) business day of
  each month at a wall-clock time in the calendar's zone; ``business_day_fires`` lists
  its times like ``cron.fires`` lists a cron schedule's.
- ``non_business_day`` rule for the occurrences of any schedule: one that falls on a
  day the calendar closes (in the calendar's zone) is skipped, or moved to the next or
  the previous business day at the same wall-clock time. ``resolve`` says what happens
  to one occurrence and why; ``plan`` turns a schedule's fire times into the runs they
  make, oldest first, with moved occurrences that land on a time that already runs
  merged into it (one run, and the ledger can say why the others did not run alone).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from jobsched.domain import calendars, cron
from jobsched.domain.calendars import Calendar
from jobsched.errors import ValidationError

NON_BUSINESS_DAY_RULES = ("skip", "next", "previous")
MAX_MOVE = timedelta(days=31)
"""How far an occurrence may move to reach a business day; past that it is skipped
(a month-long closure is a reason to skip, not to run everything when it ends)."""
MAX_NTH = 23
"""No month has more than 23 weekdays."""
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

RUN, MOVED, SKIPPED, MERGED = "run", "moved", "skipped", "merged"


@dataclass(frozen=True)
class BusinessDayRule:
    """The ``n``-th business day of the month (-1 = the last, -2 the one before) at
    ``at``, a wall-clock time in the calendar's zone."""

    n: int
    at: time


@dataclass(frozen=True)
class CalendarOccurrence:
    """What a schedule's fire time became: ``run`` at its own time, ``moved`` to
    ``runs_at``, ``skipped``, or ``merged`` into the run at ``runs_at`` that another
    occurrence already makes. ``reason`` says why, for all but a plain run."""

    scheduled: datetime
    runs_at: datetime | None
    outcome: str
    reason: str | None = None


def business_day_rule_from_dict(value: Any) -> BusinessDayRule:
    """``{"business_day": 1..23 | -1..-23 | "last", "at": "HH:MM"}``, or
    ValidationError naming the bad field."""
    problems: dict[str, str] = {}
    if not isinstance(value, dict):
        raise ValidationError({"business_day_rule": 'must be {"business_day", "at"}'})
    n = value.get("business_day")
    if n == "last":
        n = -1
    if isinstance(n, bool) or not isinstance(n, int) or n == 0 or abs(n) > MAX_NTH:
        problems["business_day"] = (
            f'must be 1 to {MAX_NTH}, -1 to -{MAX_NTH} (from the end) or "last"'
        )
    at = value.get("at")
    match = _HHMM.match(at) if isinstance(at, str) else None
    if not match:
        problems["at"] = "must be a time HH:MM (00:00 to 23:59)"
    if problems:
        raise ValidationError(problems)
    return BusinessDayRule(n, time(int(match.group(1)), int(match.group(2))))  # type: ignore[union-attr]


def business_day_fires(
    rule: BusinessDayRule,
    calendar: Calendar,
    after: datetime,
    dst: cron.DstRule = cron.DEFAULT_DST,
    months: int = 1200,
) -> Iterator[datetime]:
    """The rule's times strictly after ``after``, in UTC, oldest first.

    A month with fewer than ``|n|`` business days has none. A time missing on a
    spring-forward day runs when the clocks jump (or not, with ``dst.gap="skip"``),
    as a fixed-hour cron schedule does. Stops after ``months`` months."""
    zone = cron.parse_timezone(calendar.timezone)
    # A day's instants are within a few hours of its wall time: start a month early.
    local = (after - timedelta(days=1)).astimezone(zone)
    year, month = local.year, local.month
    for _ in range(months):
        day = calendars.nth_business_day(calendar, year, month, rule.n)
        if day is not None:
            wall = datetime.combine(day, rule.at)
            for t in cron.instants(wall, zone, True, dst):
                if t > after:
                    yield t
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def resolve(
    scheduled: datetime,
    calendar: Calendar,
    rule: str,
    dst: cron.DstRule = cron.DEFAULT_DST,
) -> CalendarOccurrence:
    """What the calendar does to one fire time (UTC), under ``non_business_day`` ``rule``.

    The day is judged in the calendar's zone; a moved occurrence keeps its wall-clock
    time there."""
    zone = cron.parse_timezone(calendar.timezone)
    local = scheduled.astimezone(zone)
    verdict = calendars.is_business_day(calendar, local.date())
    if verdict.business:
        return CalendarOccurrence(scheduled, scheduled, RUN)
    closed = f"{local.date().isoformat()} is not a business day ({verdict.reason})"
    if rule == "skip":
        return CalendarOccurrence(scheduled, None, SKIPPED, closed)
    if rule == "next":
        target = calendars.next_business_day(calendar, local.date())
    elif rule == "previous":
        target = calendars.previous_business_day(calendar, local.date())
    else:
        raise ValueError(f"non_business_day must be one of {', '.join(NON_BUSINESS_DAY_RULES)}")
    if target is None or abs(target - local.date()) > MAX_MOVE:
        days = MAX_MOVE.days
        return CalendarOccurrence(
            scheduled, None, SKIPPED, f"{closed}; no {rule} business day within {days} days"
        )
    return _moved(scheduled, local, target, zone, rule, closed, dst)


def _moved(
    scheduled: datetime,
    local: datetime,
    target: date,
    zone: Any,
    rule: str,
    closed: str,
    dst: cron.DstRule,
) -> CalendarOccurrence:
    wall = datetime.combine(target, local.time().replace(tzinfo=None))
    found = cron.instants(wall, zone, True, dst)
    if not found:  # the wall time does not exist on that day and the job skips DST gaps
        return CalendarOccurrence(
            scheduled, None, SKIPPED, f"{closed}; {wall:%H:%M} does not exist on {target}"
        )
    return CalendarOccurrence(
        scheduled, found[0], MOVED, f"{closed}; moved to the {rule} business day {target}"
    )


def plan(
    fires_from: Callable[[datetime], Iterator[datetime]],
    calendar: Calendar,
    rule: str,
    after: datetime,
    dst: cron.DstRule = cron.DEFAULT_DST,
) -> Iterator[CalendarOccurrence]:
    """Every occurrence whose time (its run time, or its scheduled time when skipped)
    is strictly after ``after``, in that order, without end if the schedule has none.

    ``fires_from(t)`` gives the schedule's fire times strictly after ``t`` (e.g.
    ``lambda t: cron.fires(expr, zone, t)``). Two occurrences that would run at one
    instant run once: the one scheduled at that time wins, else the earliest
    scheduled; the others are ``merged``."""
    if rule not in NON_BUSINESS_DAY_RULES:
        raise ValueError(f"non_business_day must be one of {', '.join(NON_BUSINESS_DAY_RULES)}")
    # "next" moves forward: a fire time up to MAX_MOVE before ``after`` may run after it.
    # "previous" moves back: a later fire time may still come first.
    lookback = MAX_MOVE if rule == "next" else timedelta(0)
    lookahead = MAX_MOVE if rule == "previous" else timedelta(0)
    pending: list[tuple[datetime, bool, datetime, CalendarOccurrence]] = []
    last_run: datetime | None = None
    for scheduled in fires_from(after - lookback):
        occurrence = resolve(scheduled, calendar, rule, dst)
        key = occurrence.runs_at or occurrence.scheduled
        heapq.heappush(pending, (key, occurrence.outcome != RUN, scheduled, occurrence))
        # No later fire time can give a key below ``scheduled - lookahead``: final.
        while pending and pending[0][0] < scheduled - lookahead:
            emitted, last_run = _emit(heapq.heappop(pending)[3], last_run, after)
            if emitted:
                yield emitted
    while pending:
        emitted, last_run = _emit(heapq.heappop(pending)[3], last_run, after)
        if emitted:
            yield emitted


def _emit(
    occurrence: CalendarOccurrence, last_run: datetime | None, after: datetime
) -> tuple[CalendarOccurrence | None, datetime | None]:
    if occurrence.runs_at is not None and occurrence.runs_at == last_run:
        why = occurrence.reason or "scheduled then"
        reason = f"{why}; merged into the run at {last_run.isoformat()}"
        occurrence = CalendarOccurrence(occurrence.scheduled, last_run, MERGED, reason)
    elif occurrence.runs_at is not None:
        last_run = occurrence.runs_at
    key = occurrence.runs_at or occurrence.scheduled
    return (occurrence if key > after else None), last_run
