"""Cron schedules: 5 fields, or 6 with a leading seconds field, in an IANA time zone.

croniter does the calendar work; we hand it wall-clock times in the job's zone so
that "0 6 * * *" means 06:00 local on both sides of a DST change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

MAX_SCHEDULE_CHARS = 200
"""Every list and every tick evaluates a job's schedule: its cost must stay small."""
MAX_TIMEZONE_CHARS = 64


def parse_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name; ValueError for anything else."""
    if not isinstance(name, str) or not name:
        raise ValueError("must be an IANA time zone name such as Europe/Paris")
    if len(name) > MAX_TIMEZONE_CHARS:
        raise ValueError(f"must be at most {MAX_TIMEZONE_CHARS} characters")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def validate_schedule(expression: str) -> str:
    """Normalised expression, or ValueError naming what is wrong.

    An expression that parses but never fires (``0 0 31 2 *``) is refused too: a
    stored one would fail every tick and every view of the job. croniter gives up
    after a bounded search, so this check costs little.
    """
    if not isinstance(expression, str):
        raise ValueError("must be a cron expression string")
    if len(expression) > MAX_SCHEDULE_CHARS:
        raise ValueError(f"must be at most {MAX_SCHEDULE_CHARS} characters")
    parts = expression.split()
    if len(parts) not in (5, 6):
        raise ValueError(
            "must have 5 fields (min hour day month weekday) or 6 with leading seconds"
        )
    normalised = " ".join(parts)
    if not croniter.is_valid(normalised, second_at_beginning=len(parts) == 6):
        raise ValueError(f"invalid cron expression {expression!r}")
    try:
        _iterator(normalised, datetime.now(UTC)).get_next(datetime)
    except (CroniterError, ValueError, OverflowError):
        raise ValueError(f"cron expression {expression!r} never fires") from None
    return normalised


def _iterator(expression: str, start: datetime) -> croniter:
    six = len(expression.split()) == 6
    return croniter(expression, start, second_at_beginning=six)


def next_run(expression: str, tz_name: str, after: datetime) -> datetime:
    """First fire time strictly after ``after``, in UTC."""
    return next_runs(expression, tz_name, after, 1)[0]


def next_runs(expression: str, tz_name: str, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, in UTC."""
    zone = parse_timezone(tz_name)
    it = _iterator(expression, after.astimezone(zone))
    return [it.get_next(datetime).astimezone(UTC) for _ in range(count)]


def occurrences_until(
    expression: str, tz_name: str, first_due: datetime, now: datetime, limit: int
) -> tuple[list[datetime], bool]:
    """Fire times from ``first_due`` (itself a fire time) up to ``now``, oldest first.

    At most ``limit`` are listed. When more fell due (the scheduler was down a long
    time), the list is the first ``limit - 1`` plus the latest, and the flag is True.
    """
    times = [first_due]
    if first_due > now:
        return [], False
    zone = parse_timezone(tz_name)
    it = _iterator(expression, first_due.astimezone(zone))
    while len(times) < limit:
        t = it.get_next(datetime).astimezone(UTC)
        if t > now:
            return times, False
        times.append(t)
    t = it.get_next(datetime).astimezone(UTC)
    if t > now:
        return times, False
    latest = _iterator(expression, now.astimezone(zone)).get_prev(datetime)
    latest = latest.astimezone(UTC)
    if _iterator(expression, latest.astimezone(zone)).get_next(datetime) <= now:
        latest = _iterator(expression, latest.astimezone(zone)).get_next(datetime)
    return [*times[: limit - 1], latest.astimezone(UTC)], True
