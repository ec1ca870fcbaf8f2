"""The days an iCalendar (RFC 5545) text marks: each VEVENT's DTSTART, all-day or timed,
over its range up to DTEND (exclusive, as the RFC says for dates), with its SUMMARY.

A calendar file of closures or holidays needs no more than this, so a small parser
does the job instead of a dependency: line unfolding, ``;`` parameters, ``VALUE=DATE``
and ``YYYYMMDDTHHMMSS[Z]`` values, ``TZID`` for timed events. Recurring events
(``RRULE``/``RDATE``) are refused rather than read as their first day only: a calendar
that silently lost its repeats would run jobs on closed days.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jobsched.domain.bounded import text_problem

T = TypeVar("T")

MAX_ICS_CHARS = 1_000_000
MAX_EVENT_DAYS = 366
"""One event may close at most a year: a longer range is more likely a typo."""
MAX_DAYS = 20_000
MAX_EVENT_DAYS_IN_ALL = 50_000
"""The days all events cover, counted per event: overlapping events each count, so
thousands of year-long events (a megabyte of text) cannot cost minutes to read."""
MAX_SUMMARY_CHARS = 200
"""A summary is a day's reason, sent for every day it covers: a longer one is cut."""
MAX_NAMES_PER_DAY = 5
"""A day's reason names this many of its events' summaries, then says how many more."""
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")


class IcsError(ValueError):
    """Text that is not a calendar this parser reads; the message says where."""


def parse_ics(text: str, zone: ZoneInfo) -> dict[date, str]:
    """Day -> summary (events on one day joined with "; ") for every day an event covers.

    Timed events count on the days they cover in ``zone`` (the calendar's zone)."""
    if not isinstance(text, str):
        raise IcsError("must be iCalendar text")
    if len(text) > MAX_ICS_CHARS:
        raise IcsError(f"must be at most {MAX_ICS_CHARS} characters")
    for number, line in enumerate(text.split("\n"), start=1):
        # The text is stored as given: PostgreSQL refuses NUL and unpaired surrogates.
        if problem := text_problem(line):
            raise IcsError(f"line {number}: {problem}")
    lines = _unfold(text)
    if not lines or lines[0][1].upper() != "BEGIN:VCALENDAR":
        raise IcsError("line 1: must start with BEGIN:VCALENDAR")
    days: dict[date, dict[str, None]] = {}  # each day's summaries, in order, once each
    covered = 0
    event: dict[str, tuple[int, dict[str, str], str]] | None = None
    for number, line in lines:
        name, params, value = _property(number, line)
        if name == "BEGIN" and value.upper() == "VEVENT":
            event = {"BEGIN": (number, params, value)}
        elif name == "END" and value.upper() == "VEVENT" and event is not None:
            event_days = _event_days(event, zone)
            covered += len(event_days)
            if covered > MAX_EVENT_DAYS_IN_ALL:
                raise IcsError(f"line {number}: more than {MAX_EVENT_DAYS_IN_ALL} event-days")
            for day, summary in event_days:
                days.setdefault(day, {})[summary] = None
            if len(days) > MAX_DAYS:
                raise IcsError(f"line {number}: more than {MAX_DAYS} days")
            event = None
        elif event is not None and name not in event:
            event[name] = (number, params, value)
    if event is not None:
        raise IcsError(f"line {event['BEGIN'][0]}: VEVENT without END:VEVENT")
    return {day: _reason(list(names)) for day, names in sorted(days.items())}


def _reason(names: list[str]) -> str:
    shown = "; ".join(names[:MAX_NAMES_PER_DAY])
    more = len(names) - MAX_NAMES_PER_DAY
    return f"{shown}; and {more} more" if more > 0 else shown


def _unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with the number of their first physical line (RFC 5545 §3.1)."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
        elif raw.strip():
            lines.append((number, raw.rstrip("\r")))
    return lines


def _property(number: int, line: str) -> tuple[str, dict[str, str], str]:
    head, sep, value = line.partition(":")
    if not sep:
        raise IcsError(f"line {number}: expected NAME:VALUE")
    name, *raw_params = head.split(";")
    params = {}
    for item in raw_params:
        key, _, val = item.partition("=")
        params[key.upper()] = val.strip('"')
    return name.upper(), params, value


def _event_days(
    event: dict[str, tuple[int, dict[str, str], str]], zone: ZoneInfo
) -> list[tuple[date, str]]:
    begin = event["BEGIN"][0]
    for forbidden in ("RRULE", "RDATE"):
        if forbidden in event:
            raise IcsError(
                f"line {event[forbidden][0]}: recurring events ({forbidden}) are not "
                "supported; list each occurrence as its own VEVENT"
            )
    if "DTSTART" not in event:
        raise IcsError(f"line {begin}: VEVENT without DTSTART")
    summary = _unescape(event.get("SUMMARY", (0, {}, ""))[2]).strip() or "ICS event"
    if len(summary) > MAX_SUMMARY_CHARS:
        summary = summary[: MAX_SUMMARY_CHARS - 1] + "…"
    start, all_day = _when(*event["DTSTART"], zone)
    if "DTEND" in event:
        end, _ = _when(*event["DTEND"], zone)
        # An all-day DTEND is the day after the last; a timed one ending at midnight
        # does not cover the day it ends on either.
        before = all_day or _at_midnight(event["DTEND"])
        last = _checked(event["DTEND"][0], lambda: end - timedelta(days=1)) if before else end
        last = max(last, start)
    else:
        last = start
    if (last - start).days >= MAX_EVENT_DAYS:
        raise IcsError(f"line {begin}: an event may cover at most {MAX_EVENT_DAYS} days")
    return [(start + timedelta(days=i), summary) for i in range((last - start).days + 1)]


def _when(number: int, params: dict[str, str], value: str, zone: ZoneInfo) -> tuple[date, bool]:
    """The day a DTSTART/DTEND names in ``zone``, and whether it is an all-day value."""
    value = value.strip()
    if match := _DATE.match(value):
        return _checked(number, lambda: date(*map(int, match.groups()))), True
    if match := _DATETIME.match(value):
        *parts, utc = match.groups()
        moment = _checked(number, lambda: datetime(*map(int, parts)))
        if utc:
            at = moment.replace(tzinfo=UTC)
            return _checked(number, lambda: at.astimezone(zone).date()), False
        if "TZID" in params:
            try:
                source = ZoneInfo(params["TZID"])
            except (ZoneInfoNotFoundError, ValueError):
                raise IcsError(f"line {number}: unknown TZID {params['TZID']!r}") from None
            local = moment.replace(tzinfo=source)
            return _checked(number, lambda: local.astimezone(zone).date()), False
        return moment.date(), False  # floating time: the calendar's own wall clock
    raise IcsError(f"line {number}: {value!r} is not a DATE or DATE-TIME value")


def _at_midnight(prop: tuple[int, dict[str, str], str]) -> bool:
    return prop[2].strip().endswith("T000000")


def _checked(number: int, build: Callable[[], T]) -> T:
    try:
        return build()
    except ValueError:
        raise IcsError(f"line {number}: not a real date") from None
    except OverflowError:  # moved into the calendar's zone, or a day back, past its range
        raise IcsError(f"line {number}: out of range (years 1 to 9999 in every zone)") from None


def _unescape(text: str) -> str:
    return (
        text.replace("\\n", " ")
        .replace("\\N", " ")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
    )
