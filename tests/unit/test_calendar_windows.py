"""A calendar's windows and blackouts apply to the jobs using it that do not set their own
(``job_calendar.window_policy``), field by field, each in its own zone."""

from __future__ import annotations

from datetime import UTC, datetime

from jobsched.domain import job_calendar, windows
from jobsched.domain.calendars import calendar_from_dict

CALENDAR = calendar_from_dict(
    {
        "name": "office",
        "timezone": "America/New_York",
        "windows": [{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}],
        "blackouts": [{"start": "2026-12-24T00:00:00Z", "end": "2026-12-25T00:00:00Z"}],
    }
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_a_job_without_windows_takes_its_calendar_s_in_the_calendar_s_zone() -> None:
    policy = job_calendar.window_policy({"timezone": "UTC"}, "UTC", CALENDAR)
    assert policy is not None
    assert not windows.is_open(at("2026-12-22T10:00:00Z"), policy), "05:00 in New York"
    assert windows.is_open(at("2026-12-22T15:00:00Z"), policy)
    assert not windows.is_open(at("2026-12-24T15:00:00Z"), policy), "the calendar's blackout"


def test_a_job_s_own_windows_and_blackouts_take_precedence_each_on_its_own() -> None:
    own = {"windows": [{"days": ["mon-sun"], "from": "00:00", "to": "24:00"}]}
    policy = job_calendar.window_policy(own, "UTC", CALENDAR)
    assert policy is not None
    assert windows.is_open(at("2026-12-22T03:00:00Z"), policy), "its own windows"
    assert not windows.is_open(at("2026-12-24T03:00:00Z"), policy), "the calendar's blackout"
    no_blackout = {
        **own,
        "blackouts": [{"start": "2027-01-01T00:00:00Z", "end": "2027-01-02T00:00:00Z"}],
    }
    policy = job_calendar.window_policy(no_blackout, "UTC", CALENDAR)
    assert policy is not None and windows.is_open(at("2026-12-24T03:00:00Z"), policy)


def test_no_windows_anywhere_is_no_policy() -> None:
    plain = calendar_from_dict({"name": "plain", "timezone": "UTC"})
    assert job_calendar.window_policy({}, "UTC", plain) is None
    assert job_calendar.window_policy({}, "UTC", None) is None
