"""Business calendars: which days are working days, and why a day is not.

A calendar is a value: a time zone, the working weekdays, public holidays from the
``holidays`` package (a country, optionally a subdivision), extra closed dates and the
days of an iCalendar text. ``calendar_from_dict`` checks a body (the API's
``{"name", "timezone", "weekdays"?, "holidays"?, "dates"?, "ics"?, "windows"?,
"blackouts"?}``) naming every bad
field at once; the functions below answer for a date, never for a time: the rules that
put times on those dates (``business_schedule``, ``windows``) use the calendar's zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from jobsched.domain import cron
from jobsched.domain.ics import IcsError, parse_ics
from jobsched.errors import ValidationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Index = ``date.weekday()``."""
DEFAULT_WEEKDAYS = frozenset(range(5))
MAX_NAME_CHARS = 64
MAX_DATES = 1000
SEARCH_DAYS = 366
"""How far next/previous business day look: a calendar with no working day within a
year (every day closed by its ICS) has none to give."""
HOLIDAY_LANGUAGE = "en_US"
"""Holiday names in one language whatever the country: reasons read alike."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

WEEKEND = "weekend"
EXTRA_DATE = "extra date"


@dataclass(frozen=True)
class DayVerdict:
    """Whether a day is a business day; when not, why (a holiday's name, "weekend",
    "extra date", an ICS event's summary)."""

    day: date
    business: bool
    reason: str | None = None


@dataclass(frozen=True)
class Calendar:
    name: str
    timezone: str
    weekdays: frozenset[int] = DEFAULT_WEEKDAYS
    country: str | None = None
    subdivision: str | None = None
    dates: frozenset[date] = frozenset()
    ics_days: Mapping[date, str] = field(default_factory=dict, hash=False, compare=False)
    ics: str | None = None
    """The ICS text as given (kept so the calendar reads back as it was written)."""
    windows: list[dict[str, Any]] | None = field(default=None, hash=False)
    """Open windows for every job using the calendar (in its zone), as given: checked by
    ``windows.policy_from_dict`` (which imports this module, so the calendar's use case
    checks them); a job's own ``windows`` take precedence."""
    blackouts: list[dict[str, Any]] | None = field(default=None, hash=False)
    """Blackouts for every job using the calendar; a job's own take precedence."""


def calendar_from_dict(body: Any) -> Calendar:
    """A checked calendar, or ValidationError naming every bad field."""
    if not isinstance(body, dict):
        raise ValidationError({"body": "must be a JSON object"})
    problems: dict[str, str] = {}
    allowed = {"name", "timezone", "weekdays", "holidays", "dates", "ics", "windows", "blackouts"}
    for key in sorted(set(body) - allowed):
        problems[str(key)] = "unknown field"
    name = body.get("name")
    if not isinstance(name, str) or not _NAME.match(name) or len(name) > MAX_NAME_CHARS:
        problems["name"] = (
            f"must be 1-{MAX_NAME_CHARS} letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    zone = None
    try:
        zone = cron.parse_timezone(body.get("timezone"))  # type: ignore[arg-type]
    except ValueError as bad:
        problems["timezone"] = str(bad)
    weekdays = _weekdays(body.get("weekdays"), problems)
    country, subdivision = _holidays(body.get("holidays"), problems)
    dates = _dates(body.get("dates"), problems)
    ics_text = body.get("ics")
    ics_days: dict[date, str] = {}
    if ics_text is not None:
        try:
            # With a bad zone, still say what is wrong with the text (days unused).
            ics_days = parse_ics(ics_text, zone or ZoneInfo("UTC"))
        except IcsError as bad:
            problems["ics"] = str(bad)
    if problems:
        raise ValidationError(problems)
    return Calendar(
        name=name,  # type: ignore[arg-type]
        timezone=body["timezone"],
        weekdays=weekdays,
        country=country,
        subdivision=subdivision,
        dates=dates,
        ics_days=ics_days,
        ics=ics_text,
        windows=body.get("windows") or None,
        blackouts=body.get("blackouts") or None,
    )


def _weekdays(value: Any, problems: dict[str, str]) -> frozenset[int]:
    if value is None:
        return DEFAULT_WEEKDAYS
    if not isinstance(value, list) or not value:
        problems["weekdays"] = "must be a non-empty list of mon, tue, wed, thu, fri, sat, sun"
        return DEFAULT_WEEKDAYS
    days = set()
    for i, item in enumerate(value):
        if not isinstance(item, str) or item.lower() not in WEEKDAYS:
            problems[f"weekdays[{i}]"] = "must be one of mon, tue, wed, thu, fri, sat, sun"
        else:
            days.add(WEEKDAYS.index(item.lower()))
    return frozenset(days)


def _holidays(value: Any, problems: dict[str, str]) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        problems["holidays"] = 'must be an object {"country", "subdivision"?}'
        return None, None
    for key in sorted(set(value) - {"country", "subdivision"}):
        problems[f"holidays.{key}"] = "unknown field"
    country, subdivision = value.get("country"), value.get("subdivision")
    if not isinstance(country, str) or country.upper() not in _countries():
        problems["holidays.country"] = (
            f"unknown country {country!r}: an ISO 3166 code the holidays package knows"
        )
        return None, None
    country = country.upper()
    if subdivision is None:
        return country, None
    known = _countries()[country]
    if not isinstance(subdivision, str) or subdivision.upper() not in known:
        examples = ", ".join(known[:8]) or "none"
        problems["holidays.subdivision"] = (
            f"unknown subdivision {subdivision!r} of {country} (known: {examples}...)"
        )
        return country, None
    return country, subdivision.upper()


def _dates(value: Any, problems: dict[str, str]) -> frozenset[date]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or len(value) > MAX_DATES:
        problems["dates"] = f"must be a list of at most {MAX_DATES} ISO dates (YYYY-MM-DD)"
        return frozenset()
    days = set()
    for i, item in enumerate(value):
        try:
            if not isinstance(item, str) or len(item) != 10:
                raise ValueError
            days.add(date.fromisoformat(item))
        except ValueError:
            problems[f"dates[{i}]"] = f"{item!r} is not an ISO date (YYYY-MM-DD)"
    return frozenset(days)


@lru_cache(maxsize=1)
def _countries() -> dict[str, list[str]]:
    """Country code -> its subdivision codes (the package's own list)."""
    return {
        code.upper(): [s.upper() for s in subdivisions]
        for code, subdivisions in holidays.list_supported_countries().items()
    }


@lru_cache(maxsize=256)
def _holiday_table(country: str, subdivision: str | None) -> holidays.HolidayBase:
    # The table fills in a year the first time a date of it is asked for (expand).
    return holidays.country_holidays(country, subdiv=subdivision, language=HOLIDAY_LANGUAGE)


def holiday_name(calendar: Calendar, day: date) -> str | None:
    if calendar.country is None:
        return None
    return _holiday_table(calendar.country, calendar.subdivision).get(day)


def is_business_day(calendar: Calendar, day: date) -> DayVerdict:
    """A working weekday that is no holiday, no extra date and no ICS event's day.

    The most telling reason wins: a holiday's name over "weekend" (Christmas on a
    Saturday reads "Christmas Day")."""
    if name := holiday_name(calendar, day):
        return DayVerdict(day, False, name)
    if summary := calendar.ics_days.get(day):
        return DayVerdict(day, False, summary)
    if day in calendar.dates:
        return DayVerdict(day, False, EXTRA_DATE)
    if day.weekday() not in calendar.weekdays:
        return DayVerdict(day, False, WEEKEND)
    return DayVerdict(day, True)


def business_days_of_month(calendar: Calendar, year: int, month: int) -> list[date]:
    day = date(year, month, 1)
    days = []
    while day.month == month:
        if is_business_day(calendar, day).business:
            days.append(day)
        day += timedelta(days=1)
    return days


def nth_business_day(calendar: Calendar, year: int, month: int, n: int) -> date | None:
    """The ``n``-th business day of the month (1 = first), counted from its end when
    ``n`` is negative (-1 = last); None when the month has fewer."""
    if n == 0:
        raise ValueError("n must be 1 or more, or -1 or less (from the end)")
    days = business_days_of_month(calendar, year, month)
    if abs(n) > len(days):
        return None
    return days[n - 1] if n > 0 else days[n]


def last_business_day(calendar: Calendar, year: int, month: int) -> date | None:
    return nth_business_day(calendar, year, month, -1)


def next_business_day(calendar: Calendar, day: date, inclusive: bool = False) -> date | None:
    """The first business day after ``day`` (or from it, when ``inclusive``), within
    a year; None when there is none."""
    return _walk(calendar, day, 1, inclusive)


def previous_business_day(calendar: Calendar, day: date, inclusive: bool = False) -> date | None:
    """The last business day before ``day`` (or on it, when ``inclusive``), within a year."""
    return _walk(calendar, day, -1, inclusive)


def _walk(calendar: Calendar, day: date, step: int, inclusive: bool) -> date | None:
    if not inclusive:
        day += timedelta(days=step)
    for _ in range(SEARCH_DAYS):
        if is_business_day(calendar, day).business:
            return day
        day += timedelta(days=step)
    return None


def calendar_to_dict(calendar: Calendar) -> dict[str, Any]:
    """The calendar as the API shows it (the shape ``calendar_from_dict`` reads)."""
    body: dict[str, Any] = {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "weekdays": [WEEKDAYS[d] for d in sorted(calendar.weekdays)],
        "dates": [d.isoformat() for d in sorted(calendar.dates)],
    }
    if calendar.country:
        body["holidays"] = {"country": calendar.country}
        if calendar.subdivision:
            body["holidays"]["subdivision"] = calendar.subdivision
    if calendar.ics is not None:
        body["ics"] = calendar.ics
    if calendar.windows is not None:
        body["windows"] = calendar.windows
    if calendar.blackouts is not None:
        body["blackouts"] = calendar.blackouts
    return body
