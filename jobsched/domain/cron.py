"""Cron schedules: 5 fields, or 6 with a leading seconds field, in an IANA time zone.

croniter does the calendar work on wall-clock times (naive, in the job's zone); this
module turns each wall time into the instants it names, with the rule Vixie/ISC cron
documents for daylight-saving changes:

- a schedule whose hour field is fixed (``30 2 * * *``) runs once on a changeover day:
  a wall time that does not exist (spring forward) runs at the next valid instant
  (the moment the clocks jump), and one that happens twice (fall back) runs at its
  first instance. Per job, ``dst_gap="skip"`` drops the missing time instead and
  ``dst_overlap="twice"`` runs both instances of the repeated one;
- a schedule whose hour field is a wildcard or a step (``0 * * * *``, ``0 */2 * * *``)
  keeps its real-time cadence: every repeated hour runs (it is a new real hour), a
  missing hour does not (it never happened).

Quartz-style day tokens: day-of-month ``L`` (last day), ``LW`` (last weekday), ``15W``
(the weekday nearest the 15th, never crossing into another month); day-of-week ``5#2``
(the second Friday) and ``5L`` (the last Friday). croniter 7 reads all but two of them
as Quartz writes them; ``LW`` and ``5L`` are rewritten into its spelling (``31W`` and
``L5``) before it parses them, and the expression is stored as the user wrote it.
"""

from __future__ import annotations

import copy
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

MAX_SCHEDULE_CHARS = 200
"""Every list and every tick evaluates a job's schedule: its cost must stay small."""
MAX_TIMEZONE_CHARS = 64
DST_GAPS = ("shift", "skip")
"""A fixed-hour time missing on a spring-forward day: run when the clocks jump, or not."""
DST_OVERLAPS = ("first", "twice")
"""A fixed-hour time repeated on a fall-back day: run at its first instance, or both."""
_MAX_SHIFT = timedelta(hours=3)
"""More than any UTC offset change: how far a wall time's instant can move."""


_FIELDS_5 = ("minute", "hour", "day-of-month", "month", "day-of-week")
_FIELDS_6 = ("second", *_FIELDS_5)
_DAY_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_LAST_WEEKDAY_OF = re.compile(r"^([0-7]|sun|mon|tue|wed|thu|fri|sat)l$", re.IGNORECASE)
"""Quartz's ``5L`` / ``FRIL``: croniter spells it ``L5`` (and knows no ``LFRI``)."""
_QUARTZ_HINT = (
    "; Quartz tokens are day-of-month L, LW or 1W-31W alone,"
    " and day-of-week 0-7 with #1-#5 or L (5#2, 5L)"
)


@dataclass(frozen=True)
class DstRule:
    gap: str = "shift"
    overlap: str = "first"


DEFAULT_DST = DstRule()


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
    six = len(parts) == 6
    if not croniter.is_valid(_croniter_form(normalised), second_at_beginning=six):
        raise ValueError(_field_problem(parts) or f"invalid cron expression {expression!r}")
    try:
        _iterator(normalised, datetime.now(UTC).replace(tzinfo=None)).get_next(datetime)
    except (CroniterError, ValueError, OverflowError):
        raise ValueError(f"cron expression {expression!r} never fires") from None
    return normalised


def _croniter_form(expression: str) -> str:
    """The expression in croniter's spelling of the Quartz tokens it reads differently.

    ``LW`` becomes ``31W``: croniter clamps a W day past the month's end to its last
    day, and the weekday nearest the last day without leaving the month is the last
    weekday (a Saturday goes back to Friday, a last-day Sunday back two days)."""
    parts = expression.split()
    dom, dow = len(parts) - 3, len(parts) - 1
    if parts[dom].upper() == "LW":
        parts[dom] = "31W"
    parts[dow] = ",".join(_last_of(item) for item in parts[dow].split(","))
    return " ".join(parts)


def _last_of(item: str) -> str:
    match = _LAST_WEEKDAY_OF.match(item)
    if not match:
        return item
    day = match.group(1).lower()
    return f"L{_DAY_NAMES.get(day, day)}"


def _field_problem(parts: list[str]) -> str | None:
    """Which field of an invalid expression is wrong, tried one field at a time."""
    names = _FIELDS_6 if len(parts) == 6 else _FIELDS_5
    for index, (name, token) in enumerate(zip(names, parts, strict=True)):
        probe = ["*"] * len(parts)
        probe[index] = token
        if not croniter.is_valid(
            _croniter_form(" ".join(probe)), second_at_beginning=len(parts) == 6
        ):
            hint = _QUARTZ_HINT if re.search(r"[lw#]", token, re.IGNORECASE) else ""
            return f"invalid {name} field {token!r}{hint}"
    return None


def fixed_hour(expression: str) -> bool:
    """True when the hour field names hours (``2``, ``1,13``, ``9-17``), not a
    wildcard or a step: such a schedule follows the wall clock on DST days."""
    parts = expression.split()
    hour = parts[2] if len(parts) == 6 else parts[1]
    return "*" not in hour and "/" not in hour


@lru_cache(maxsize=4096)
def _parsed(expression: str) -> croniter:
    """One parsed croniter per expression. Parsing costs about four times a step
    (~0.3 ms), and a tick plans thousands of runs of a few distinct schedules."""
    six = len(expression.split()) == 6
    return croniter(_croniter_form(expression), datetime(2000, 1, 1), second_at_beginning=six)


def _iterator(expression: str, start: datetime) -> croniter:
    """A fresh iterator from ``start``: a shallow copy of the parsed one (its expanded
    fields are only read), so callers in other threads never share a position."""
    it = copy.copy(_parsed(expression))
    it.set_current(start, force=True)
    return it


def _utc(wall: datetime, zone: ZoneInfo, fold: int) -> datetime:
    return wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    return _utc(wall, zone, 0).astimezone(zone).replace(tzinfo=None) == wall


def _gap_end(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jump over the missing ``wall`` (its next valid instant)."""
    lo, hi = sorted((_utc(wall, zone, 0), _utc(wall, zone, 1)))
    before = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi.replace(microsecond=0) if hi.microsecond else hi


def instants(wall: datetime, zone: ZoneInfo, fixed: bool, rule: DstRule) -> list[datetime]:
    """The UTC instants one wall-clock fire time names (none, one or two)."""
    if not _exists(wall, zone):
        if not fixed or rule.gap == "skip":
            return []
        return [_gap_end(wall, zone)]
    first, second = _utc(wall, zone, 0), _utc(wall, zone, 1)
    if first == second:
        return [first]
    if fixed and rule.overlap == "first":
        return [min(first, second)]
    return sorted((first, second))


def fires(
    expression: str, tz_name: str, after: datetime, rule: DstRule = DEFAULT_DST
) -> Iterator[datetime]:
    """Fire times strictly after ``after``, in UTC, oldest first, without end."""
    zone = parse_timezone(tz_name)
    fixed = fixed_hour(expression)
    local = after.astimezone(zone)
    # Before a fall-back change, wall times before ``after``'s own name instants after
    # it (02:00 CET comes after 02:40 CEST): start back by the hour about to repeat.
    repeated = local.utcoffset() - (after + _MAX_SHIFT).astimezone(zone).utcoffset()
    start = local.replace(tzinfo=None) - max(repeated, timedelta(0))
    it = _iterator(expression, start - timedelta(microseconds=1))
    pending: list[datetime] = []
    last = after
    while True:
        wall = it.get_next(datetime)
        # The instants wall times name never go back by more than one wall time's
        # own ambiguity: whatever is pending below this one's earliest is final.
        bound = min(_utc(wall, zone, 0), _utc(wall, zone, 1))
        while pending and pending[0] < bound:
            last = heapq.heappop(pending)
            yield last
        for t in instants(wall, zone, fixed, rule):
            # Several missing times shifted to one instant run once.
            if t > last and t not in pending:
                heapq.heappush(pending, t)


def next_run(
    expression: str, tz_name: str, after: datetime, rule: DstRule = DEFAULT_DST
) -> datetime:
    """First fire time strictly after ``after``, in UTC."""
    return next(fires(expression, tz_name, after, rule))


def next_runs(
    expression: str, tz_name: str, after: datetime, count: int, rule: DstRule = DEFAULT_DST
) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, in UTC."""
    it = fires(expression, tz_name, after, rule)
    return [next(it) for _ in range(count)]


def between(
    expression: str,
    tz_name: str,
    start: datetime,
    end: datetime,
    limit: int,
    rule: DstRule = DEFAULT_DST,
) -> tuple[list[datetime], bool]:
    """Fire times in ``start <= t < end``, oldest first: at most ``limit``, and whether
    there were more."""
    times: list[datetime] = []
    for t in fires(expression, tz_name, start - timedelta(microseconds=1), rule):
        if t >= end:
            return times, False
        if len(times) == limit:
            return times, True
        times.append(t)
    return times, False  # pragma: no cover - fires() never ends


def occurrences_until(
    expression: str,
    tz_name: str,
    first_due: datetime,
    now: datetime,
    limit: int,
    rule: DstRule = DEFAULT_DST,
) -> tuple[list[datetime], bool]:
    """Fire times from ``first_due`` (itself a fire time) up to ``now``, oldest first.

    At most ``limit`` are listed. When more fell due (the scheduler was down a long
    time), the list is the first ``limit - 1`` plus the latest, and the flag is True.
    """
    if first_due > now:
        return [], False
    times = [first_due]
    it = fires(expression, tz_name, first_due, rule)
    while len(times) < limit:
        t = next(it)
        if t > now:
            return times, False
        times.append(t)
    t = next(it)
    if t > now:
        return times, False
    return [*times[: limit - 1], *latest(expression, tz_name, now, 1, rule=rule)], True


def latest(
    expression: str,
    tz_name: str,
    until: datetime,
    count: int,
    not_before: datetime | None = None,
    rule: DstRule = DEFAULT_DST,
) -> list[datetime]:
    """The last ``count`` fire times in ``not_before <= t <= until``, oldest first.

    Searched back over growing windows, so the cost follows how often the schedule
    fires, not how far back ``not_before`` is (a schedule that fires at all fires
    within a year)."""
    floor = not_before or until - timedelta(days=400)
    found: list[datetime] = []
    for back in (timedelta(minutes=2), timedelta(hours=2), timedelta(days=2), timedelta(days=400)):
        start = max(until - back, floor)
        found = []
        for t in fires(expression, tz_name, start - timedelta(microseconds=1), rule):
            if t > until:
                break
            found.append(t)
        if len(found) >= count or start == floor:
            break
    return found[-count:]
