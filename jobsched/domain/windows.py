"""Execution windows and blackouts: may a run start at this instant, and if not, when.

A job (or its calendar) may have open windows, ``[{"days": ["mon", ...], "from":
"09:00", "to": "17:00"}]`` in its zone, and blackouts, ``[{"start", "end"}]`` (ISO
times with an offset). A run may start inside a window (any, when there are none) and
outside every blackout. ``admit`` answers for a candidate start time: open, deferred to
the next opening, or skipped, as ``outside_window`` ("defer" | "skip") says.

A window is a span of real time each day it applies: from the first instant of its
``from`` wall time to the last instant of its ``to`` wall time in the zone. So on a
spring-forward day a window that starts in the missing hour opens when the clocks jump,
one that ends in it closes then; on a fall-back day a window holding the repeated hour
stays open through both passes. ``to`` at or before ``from`` runs past midnight
(``22:00``-``06:00``); ``"24:00"`` is the end of the day. With a calendar, windows open
only on its business days.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jobsched.domain import calendars, cron
from jobsched.domain.calendars import WEEKDAYS, Calendar
from jobsched.errors import ValidationError

OUTSIDE_WINDOW = ("defer", "skip")
MAX_WINDOWS = 50
MAX_BLACKOUTS = 200
HORIZON_DAYS = 400
"""How far to look for an opening: none within it (every window on a closed day, a
blackout of years) and the run is skipped, saying so."""
_HHMM = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$")

OPEN, DEFERRED, SKIPPED = "open", "deferred", "skipped"


@dataclass(frozen=True)
class Window:
    days: frozenset[int]
    """Weekdays (0 = Monday) the window opens on, in the zone."""
    start: time
    end: time | None
    """None: the end of the day (``"24:00"``)."""

    def label(self) -> str:
        days = ",".join(WEEKDAYS[d] for d in sorted(self.days))
        end = "24:00" if self.end is None else f"{self.end:%H:%M}"
        return f"{days} {self.start:%H:%M}-{end}"


@dataclass(frozen=True)
class Blackout:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class WindowPolicy:
    timezone: str
    windows: tuple[Window, ...] = ()
    blackouts: tuple[Blackout, ...] = ()
    outside_window: str = "defer"
    calendar: Calendar | None = None


@dataclass(frozen=True)
class Admission:
    """``open``: start at ``at`` (the candidate). ``deferred``: start at ``at``, the next
    opening. ``skipped``: do not start (``at`` is None). ``reason`` says why."""

    outcome: str
    at: datetime | None
    reason: str | None = None


def policy_from_dict(
    body: dict[str, Any], timezone: str, calendar: Calendar | None = None
) -> WindowPolicy:
    """The job fields ``windows``, ``blackouts`` and ``outside_window`` checked, or
    ValidationError naming each bad one (``windows[0].from``)."""
    problems: dict[str, str] = {}
    windows = _windows(body.get("windows"), problems)
    blackouts = _blackouts(body.get("blackouts"), problems)
    outside = body.get("outside_window", "defer")
    if outside not in OUTSIDE_WINDOW:
        problems["outside_window"] = 'must be "defer" or "skip"'
    try:
        cron.parse_timezone(timezone)
    except ValueError as bad:
        problems["timezone"] = str(bad)
    if problems:
        raise ValidationError(problems)
    return WindowPolicy(timezone, windows, blackouts, outside, calendar)


def _windows(value: Any, problems: dict[str, str]) -> tuple[Window, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_WINDOWS:
        problems["windows"] = f'must be a list of at most {MAX_WINDOWS} {{"days", "from", "to"}}'
        return ()
    windows = []
    for i, item in enumerate(value):
        where = f"windows[{i}]"
        if not isinstance(item, dict):
            problems[where] = 'must be {"days", "from", "to"}'
            continue
        for key in sorted(set(item) - {"days", "from", "to"}):
            problems[f"{where}.{key}"] = "unknown field"
        days = _days(item.get("days"), f"{where}.days", problems)
        start = _clock(item.get("from"), f"{where}.from", problems, allow_24=False)
        end = _clock(item.get("to"), f"{where}.to", problems, allow_24=True)
        if days and start is not None and end is not False:
            if end is not None and end == start:
                problems[f"{where}.to"] = "must differ from from (an empty window never opens)"
            else:
                windows.append(Window(days, start, end))  # type: ignore[arg-type]
    return tuple(windows)


def _days(value: Any, where: str, problems: dict[str, str]) -> frozenset[int]:
    """Weekday names, or ranges of them (``"mon-fri"``)."""
    names = "must be a non-empty list of mon..sun or ranges such as mon-fri"
    if not isinstance(value, list) or not value:
        problems[where] = names
        return frozenset()
    days: set[int] = set()
    for i, item in enumerate(value):
        first, _, last = str(item).lower().partition("-") if isinstance(item, str) else ("", "", "")
        last = last or first
        if first not in WEEKDAYS or last not in WEEKDAYS:
            problems[f"{where}[{i}]"] = names
            continue
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(days)


def _clock(value: Any, where: str, problems: dict[str, str], allow_24: bool) -> Any:
    """A time, None for "24:00" (when allowed), or False when refused."""
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match or (match.group(3) and not allow_24):
        problems[where] = "must be HH:MM (00:00 to 23:59" + (", or 24:00)" if allow_24 else ")")
        return False
    if match.group(3):
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _blackouts(value: Any, problems: dict[str, str]) -> tuple[Blackout, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_BLACKOUTS:
        problems["blackouts"] = f'must be a list of at most {MAX_BLACKOUTS} {{"start", "end"}}'
        return ()
    found = []
    for i, item in enumerate(value):
        where = f"blackouts[{i}]"
        if not isinstance(item, dict):
            problems[where] = 'must be {"start", "end"}'
            continue
        # Kept as given (in a JSON column): anything else would be stored unchecked.
        for key in sorted(set(item) - {"start", "end"}):
            problems[f"{where}.{key}"] = "unknown field"
        start = _instant(item.get("start"), f"{where}.start", problems)
        end = _instant(item.get("end"), f"{where}.end", problems)
        if start and end:
            if end <= start:
                problems[f"{where}.end"] = "must be after start"
            else:
                found.append(Blackout(start, end))
    return tuple(sorted(found, key=lambda b: b.start))


def _instant(value: Any, where: str, problems: dict[str, str]) -> datetime | None:
    try:
        if not isinstance(value, str):
            raise ValueError
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError
        return moment.astimezone(UTC)
    except ValueError:
        problems[where] = "must be an ISO 8601 time with an offset (2026-12-24T18:00:00+01:00)"
    except OverflowError:  # its offset takes it past year 9999 (or before year 1) in UTC
        problems[where] = "must be a time between the years 1 and 9999 in UTC"
    return None


def admit(candidate: datetime, policy: WindowPolicy) -> Admission:
    """May a run start at ``candidate`` (aware); if not, when or whether it will."""
    closed = _closed_reason(candidate, policy)
    if closed is None:
        return Admission(OPEN, candidate)
    if policy.outside_window == "skip":
        return Admission(SKIPPED, None, f"{closed}; the job skips runs outside its windows")
    opening = next_opening(candidate, policy)
    if opening is None:
        return Admission(SKIPPED, None, f"{closed}; no opening within {HORIZON_DAYS} days")
    return Admission(DEFERRED, opening, f"{closed}; deferred to the next opening")


def is_open(moment: datetime, policy: WindowPolicy) -> bool:
    return _closed_reason(moment, policy) is None


def closed_reason(moment: datetime, policy: WindowPolicy) -> str | None:
    """Why no run may start at ``moment`` (the blackout, the closed day, the windows it
    is outside of); None: open."""
    return _closed_reason(moment, policy)


def _closed_reason(moment: datetime, policy: WindowPolicy) -> str | None:
    moment = moment.astimezone(UTC)
    for blackout in policy.blackouts:
        if blackout.start <= moment < blackout.end:
            return f"inside the blackout {blackout.start.isoformat()} to {blackout.end.isoformat()}"
    if not policy.windows:
        return None
    zone = cron.parse_timezone(policy.timezone)
    day = moment.astimezone(zone).date()
    for start, end, _ in _spans(policy, zone, day - timedelta(days=1), day + timedelta(days=1)):
        if start <= moment < end:
            return None
    local = moment.astimezone(zone)
    if policy.calendar is not None:
        verdict = calendars.is_business_day(policy.calendar, local.date())
        if not verdict.business:
            return f"{local.date().isoformat()} is not a business day ({verdict.reason})"
    labels = "; ".join(w.label() for w in policy.windows)
    return f"{local:%a %H:%M} {policy.timezone} is outside the windows ({labels})"


def next_opening(moment: datetime, policy: WindowPolicy) -> datetime | None:
    """The first instant at or after ``moment`` when a run may start, within the horizon."""
    moment = moment.astimezone(UTC)
    if not policy.windows:
        return _after_blackouts(moment, policy.blackouts)
    zone = cron.parse_timezone(policy.timezone)
    first = moment.astimezone(zone).date() - timedelta(days=1)
    last = first + timedelta(days=HORIZON_DAYS)
    for start, end, _ in _spans(policy, zone, first, last):
        if end <= moment:
            continue
        # The first instant of this span outside every blackout: spans come in order
        # of their start, so the first span that has one has the earliest.
        candidate = _after_blackouts(max(start, moment), policy.blackouts)
        if candidate is not None and candidate < end:
            return candidate
    return None


def _after_blackouts(moment: datetime, blackouts: tuple[Blackout, ...]) -> datetime | None:
    """The first instant at or after ``moment`` that no blackout holds (sorted by start)."""
    for blackout in blackouts:
        if blackout.start <= moment < blackout.end:
            moment = blackout.end
    return moment


def _spans(
    policy: WindowPolicy, zone: ZoneInfo, first: date, last: date
) -> Iterator[tuple[datetime, datetime, Window]]:
    """Each window's span of real time on each day from ``first`` to ``last``, in order
    of their start (a day's spans all start on that day)."""
    day = first
    while day <= last:
        if policy.calendar is None or calendars.is_business_day(policy.calendar, day).business:
            spans = []
            for window in policy.windows:
                if day.weekday() not in window.days:
                    continue
                start = _first_instant(datetime.combine(day, window.start), zone)
                end_day = day + timedelta(days=1) if window.end is None else day
                end_wall = datetime.combine(end_day, window.end or time(0))
                if window.end is not None and window.end <= window.start:
                    end_wall += timedelta(days=1)  # past midnight
                end = _last_instant(end_wall, zone)
                if end > start:
                    spans.append((start, end, window))
            yield from sorted(spans, key=lambda s: s[0])
        day += timedelta(days=1)


def _first_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The earliest instant a wall time names; a missing one names the jump."""
    return cron.instants(wall, zone, True, cron.DstRule(gap="shift", overlap="first"))[0]


def _last_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The latest instant a wall time names; a missing one names the jump."""
    return cron.instants(wall, zone, True, cron.DstRule(gap="shift", overlap="twice"))[-1]
