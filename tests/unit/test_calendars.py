"""Business calendars as tables: a date -> business day or the reason it is not.

Expected days come from the French public holiday list (Code du travail L3133-1) and a
calendar (GNU ``date``): 1 May 2026 and 8 May 2026 are Fridays, 14 May 2026
(Ascension) a Thursday, 1 January 2027 a Friday, 25 December 2026 a Friday,
26 December 2026 a Saturday."""

from datetime import date
from typing import Any

import pytest

from jobsched.domain import calendars as cal
from jobsched.errors import ValidationError

ICS = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//test//EN\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:1\r\n"
    "DTSTART;VALUE=DATE:20261228\r\n"
    "DTEND;VALUE=DATE:20261231\r\n"  # exclusive: 28, 29, 30 December
    "SUMMARY:Year-end\r\n"
    "  freeze\r\n"  # a folded line
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:2\r\n"
    "DTSTART:20260709T230000Z\r\n"  # 10 July 01:00 in Paris
    "SUMMARY:Offsite\\, all hands\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def paris(**extra: Any) -> cal.Calendar:
    body = {"name": "paris", "timezone": "Europe/Paris", "holidays": {"country": "FR"}}
    return cal.calendar_from_dict({**body, **extra})


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 5, 1), "Labor Day"),
        (date(2026, 5, 14), "Ascension Day"),
        (date(2026, 7, 14), "National Day"),
        (date(2026, 8, 15), "Assumption Day"),  # a Saturday: the holiday's name wins
        (date(2026, 12, 26), "weekend"),  # not a holiday in France...
        (date(2026, 1, 2), None),
        (date(2026, 12, 24), None),
    ],
)
def test_french_holidays_and_weekends(day: date, reason: str | None) -> None:
    verdict = cal.is_business_day(paris(), day)
    assert verdict.business is (reason is None)
    assert verdict.reason == reason


def test_a_subdivision_adds_its_own_holidays() -> None:
    # ...but it is in Alsace-Moselle (department 57), and so is Good Friday.
    moselle = paris(holidays={"country": "FR", "subdivision": "57"})
    assert cal.is_business_day(moselle, date(2026, 12, 26)).reason == "Saint Stephen's Day"
    assert not cal.is_business_day(moselle, date(2026, 4, 3)).business  # Good Friday
    assert cal.is_business_day(paris(), date(2026, 4, 3)).business


def test_extra_dates_ics_days_and_working_weekdays() -> None:
    calendar = paris(dates=["2026-08-14"], ics=ICS, weekdays=["mon", "tue", "wed", "thu"])
    assert cal.is_business_day(calendar, date(2026, 8, 14)).reason == "extra date"
    for day in (date(2026, 12, 28), date(2026, 12, 29), date(2026, 12, 30)):
        assert cal.is_business_day(calendar, day).reason == "Year-end freeze"
    assert cal.is_business_day(calendar, date(2026, 12, 31)).business
    assert cal.is_business_day(calendar, date(2026, 7, 10)).reason == "Offsite, all hands"
    assert cal.is_business_day(calendar, date(2026, 7, 9)).business
    assert cal.is_business_day(calendar, date(2026, 1, 9)).reason == "weekend"  # a Friday


@pytest.mark.parametrize(
    ("year", "month", "n", "expected"),
    [
        (2026, 5, 1, date(2026, 5, 4)),  # Fri 1 May holiday, then a weekend
        (2026, 5, 5, date(2026, 5, 11)),  # 4, 5, 6, 7, (Fri 8 May holiday), 11
        (2027, 1, 1, date(2027, 1, 4)),  # Fri 1 January holiday
        (2026, 12, -1, date(2026, 12, 31)),
        (2026, 12, -2, date(2026, 12, 30)),
        (2026, 1, -1, date(2026, 1, 30)),  # 31 January is a Saturday
        (2026, 2, 21, None),  # February 2026 has 20 business days
        (2026, 2, 20, date(2026, 2, 27)),
    ],
)
def test_nth_business_day(year: int, month: int, n: int, expected: date | None) -> None:
    assert cal.nth_business_day(paris(), year, month, n) == expected


def test_next_and_previous_business_day() -> None:
    calendar = paris()
    # Thu 24 Dec 2026 -> (Fri 25 Christmas, weekend) -> Mon 28.
    assert cal.next_business_day(calendar, date(2026, 12, 24)) == date(2026, 12, 28)
    assert cal.next_business_day(calendar, date(2026, 12, 24), inclusive=True) == date(2026, 12, 24)
    # Mon 4 May 2026 <- (weekend, Fri 1 May) <- Thu 30 April.
    assert cal.previous_business_day(calendar, date(2026, 5, 4)) == date(2026, 4, 30)
    closed = paris(weekdays=["mon"], ics=ICS, dates=[])
    assert cal.next_business_day(closed, date(2026, 12, 24)) == date(
        2027, 1, 4
    )  # Mon 28 Dec is in the freeze


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "a b"}, "name"),
        ({"weekdays": ["mon", "funday"]}, "weekdays[1]"),
        ({"weekdays": []}, "weekdays"),
        ({"holidays": {"country": "ZZ"}}, "holidays.country"),
        ({"holidays": {"country": "FR", "subdivision": "99"}}, "holidays.subdivision"),
        ({"holidays": {"country": "FR", "region": "57"}}, "holidays.region"),
        ({"dates": ["2026-02-30"]}, "dates[0]"),
        ({"dates": ["2026-01-01", "tomorrow"]}, "dates[1]"),
        ({"ics": "not a calendar"}, "ics"),
        ({"ics": "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR"}, "ics"),
        ({"ics": "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026\nEND:VEVENT\n"}, "ics"),
        ({"ics": ICS.replace("UID:1\r\n", "UID:1\r\nRRULE:FREQ=YEARLY\r\n")}, "ics"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_calendars_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        cal.calendar_from_dict({"name": "c", "timezone": "UTC", **body})
    assert field in refused.value.fields


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as refused:
        cal.calendar_from_dict(
            {"name": "", "timezone": "X", "dates": ["x"], "holidays": {"country": "ZZ"}}
        )
    assert set(refused.value.fields) == {"name", "timezone", "dates[0]", "holidays.country"}


def test_ics_errors_say_which_line() -> None:
    with pytest.raises(ValidationError) as refused:
        cal.calendar_from_dict(
            {"name": "c", "timezone": "UTC", "ics": ICS.replace("20261231", "20261340")}
        )
    assert refused.value.fields["ics"].startswith("line 7:")


def test_a_calendar_reads_back_as_written() -> None:
    body = {
        "name": "paris",
        "timezone": "Europe/Paris",
        "weekdays": ["mon", "tue", "wed", "thu", "fri"],
        "holidays": {"country": "FR", "subdivision": "57"},
        "dates": ["2026-08-14"],
        "ics": ICS,
    }
    assert cal.calendar_to_dict(cal.calendar_from_dict(body)) == body


def test_ics_timed_events_count_on_their_days_in_the_calendar_zone() -> None:
    from zoneinfo import ZoneInfo

    from jobsched.domain.ics import parse_ics

    text = (
        "BEGIN:VCALENDAR\n"
        "BEGIN:VEVENT\n"
        "DTSTART;TZID=America/New_York:20260703T200000\n"  # 4 July 02:00 in Paris
        "DTEND;TZID=America/New_York:20260705T200000\n"  # 6 July 02:00 in Paris
        "SUMMARY:Independence\n"
        "BEGIN:VALARM\n"
        "TRIGGER:-PT15M\n"
        "DESCRIPTION:reminder\n"
        "END:VALARM\n"
        "END:VEVENT\n"
        "BEGIN:VEVENT\n"
        "DTSTART:20260801T090000\n"  # floating: the calendar's own wall clock
        "DTEND:20260803T000000\n"  # ends at midnight: 3 August is not covered
        "SUMMARY:Floating\n"
        "END:VEVENT\n"
        "END:VCALENDAR\n"
    )
    assert parse_ics(text, ZoneInfo("Europe/Paris")) == {
        date(2026, 7, 4): "Independence",
        date(2026, 7, 5): "Independence",
        date(2026, 7, 6): "Independence",
        date(2026, 8, 1): "Floating",
        date(2026, 8, 2): "Floating",
    }
