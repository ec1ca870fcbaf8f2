"""Windows and blackouts as tables: a candidate start -> open, deferred to when, or
skipped. Europe/Paris springs forward on Sunday 29 March 2026 (02:00 CET -> 03:00
CEST, at 01:00 UTC) and falls back on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET,
at 01:00 UTC); 1 May 2026 (Labor Day) is a Friday. Expected instants are worked out
by hand from those offsets."""

from datetime import UTC, datetime
from typing import Any

import pytest

from jobsched.domain import calendars, windows
from jobsched.errors import ValidationError

OFFICE = [{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def policy(body: dict[str, Any], **kwargs: Any) -> windows.WindowPolicy:
    return windows.policy_from_dict(body, "Europe/Paris", **kwargs)


@pytest.mark.parametrize(
    ("body", "candidate", "outcome", "at"),
    [
        # Office hours across the spring change: Friday 17:30 CET waits for Monday 09:00 CEST.
        ({"windows": OFFICE}, utc(2026, 3, 27, 10), "open", utc(2026, 3, 27, 10)),
        ({"windows": OFFICE}, utc(2026, 3, 27, 16, 30), "deferred", utc(2026, 3, 30, 7)),
        # ...and the autumn one: Friday 17:30 CEST waits for Monday 09:00 CET.
        ({"windows": OFFICE}, utc(2026, 10, 23, 15, 30), "deferred", utc(2026, 10, 26, 8)),
        ({"windows": OFFICE, "outside_window": "skip"}, utc(2026, 3, 28, 10), "skipped", None),
        # A window on the spring changeover Sunday, 01:00-04:00, lasts two real hours.
        (
            {"windows": [{"days": ["sun"], "from": "01:00", "to": "04:00"}]},
            utc(2026, 3, 29, 1, 30),  # 03:30 CEST
            "open",
            utc(2026, 3, 29, 1, 30),
        ),
        (
            {"windows": [{"days": ["sun"], "from": "01:00", "to": "04:00"}]},
            utc(2026, 3, 29, 2),  # 04:00 CEST: closed; next Sunday 01:00 CEST
            "deferred",
            utc(2026, 4, 4, 23),
        ),
        # One that starts in the missing hour opens when the clocks jump...
        (
            {"windows": [{"days": ["sun"], "from": "02:30", "to": "05:00"}]},
            utc(2026, 3, 29, 0, 30),  # 01:30 CET
            "deferred",
            utc(2026, 3, 29, 1),
        ),
        # ...and one that ends in it closes then.
        (
            {"windows": [{"days": ["sun"], "from": "00:00", "to": "02:30"}]},
            utc(2026, 3, 29, 1),  # 03:00 CEST
            "deferred",
            utc(2026, 4, 4, 22),  # Sunday 5 April 00:00 CEST
        ),
        # On the autumn changeover a window holding the repeated hour stays open
        # through its second pass: 02:15 CET (the second 02:15) is inside 01:00-02:30...
        (
            {"windows": [{"days": ["sun"], "from": "01:00", "to": "02:30"}]},
            utc(2026, 10, 25, 1, 15),
            "open",
            utc(2026, 10, 25, 1, 15),
        ),
        # ...02:45 CET is not: next Sunday 01:00 CET.
        (
            {"windows": [{"days": ["sun"], "from": "01:00", "to": "02:30"}]},
            utc(2026, 10, 25, 1, 45),
            "deferred",
            utc(2026, 11, 1, 0),
        ),
        # Past midnight: Friday 22:00 - 06:00 holds Saturday 03:00.
        (
            {"windows": [{"days": ["fri"], "from": "22:00", "to": "06:00"}]},
            utc(2026, 3, 28, 2),
            "open",
            utc(2026, 3, 28, 2),
        ),
        (
            {"windows": [{"days": ["fri"], "from": "22:00", "to": "06:00"}]},
            utc(2026, 3, 28, 10),
            "deferred",
            utc(2026, 4, 3, 20),  # Friday 3 April 22:00 CEST
        ),
        (
            {"windows": [{"days": ["sat"], "from": "20:00", "to": "24:00"}]},
            utc(2026, 3, 28, 22, 30),  # Saturday 23:30 CET
            "open",
            utc(2026, 3, 28, 22, 30),
        ),
    ],
)
def test_windows(
    body: dict[str, Any], candidate: datetime, outcome: str, at: datetime | None
) -> None:
    admission = windows.admit(candidate, policy(body))
    assert (admission.outcome, admission.at) == (outcome, at)
    assert (admission.reason is None) is (outcome == "open")


FREEZE = {"start": "2026-12-28T00:00:00+01:00", "end": "2027-01-01T00:00:00+01:00"}


def test_a_run_inside_a_blackout_starts_at_its_end() -> None:
    admission = windows.admit(utc(2026, 12, 29, 12), policy({"blackouts": [FREEZE]}))
    assert (admission.outcome, admission.at) == ("deferred", utc(2026, 12, 31, 23))
    assert "blackout 2026-12-27T23:00:00+00:00 to 2026-12-31T23:00:00+00:00" in admission.reason
    skipped = windows.admit(
        utc(2026, 12, 29, 12), policy({"blackouts": [FREEZE], "outside_window": "skip"})
    )
    assert (skipped.outcome, skipped.at) == ("skipped", None)
    assert windows.admit(utc(2026, 12, 27, 22, 59), policy({"blackouts": [FREEZE]})).outcome == (
        "open"
    )


def test_blackouts_and_windows_together() -> None:
    # The freeze ends Friday 1 January 00:00, a holiday for no one here: the next
    # opening is that day 09:00; ending Saturday 2 January, it is Monday 4 at 09:00.
    both = policy({"windows": OFFICE, "blackouts": [FREEZE]})
    assert windows.admit(utc(2026, 12, 29, 12), both).at == utc(2027, 1, 1, 8)
    weekend = dict(FREEZE, end="2027-01-02T12:00:00+01:00")
    later = policy({"windows": OFFICE, "blackouts": [weekend]})
    assert windows.admit(utc(2026, 12, 29, 12), later).at == utc(2027, 1, 4, 8)
    # Blackouts that chain: the second starts before the first ends.
    chained = policy(
        {
            "blackouts": [
                {"start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z"},
                {"start": "2026-06-01T12:00:00Z", "end": "2026-06-03T00:00:00Z"},
            ]
        }
    )
    assert windows.admit(utc(2026, 6, 1, 6), chained).at == utc(2026, 6, 3)
    # A blackout ending mid-window: the run starts at its end.
    noon = {"start": "2026-06-01T00:00:00+02:00", "end": "2026-06-01T12:00:00+02:00"}
    assert windows.admit(
        utc(2026, 5, 30, 10), policy({"windows": OFFICE, "blackouts": [noon]})
    ).at == (utc(2026, 6, 1, 10))


def test_windows_of_a_calendar_open_on_its_business_days_only() -> None:
    france = calendars.calendar_from_dict(
        {"name": "fr", "timezone": "Europe/Paris", "holidays": {"country": "FR"}}
    )
    office = policy({"windows": OFFICE}, calendar=france)
    # Thursday 30 April 17:30 CEST -> (Fri 1 May Labor Day, weekend) -> Monday 4 May 09:00.
    assert windows.admit(utc(2026, 4, 30, 15, 30), office).at == utc(2026, 5, 4, 7)
    on_the_day = windows.admit(utc(2026, 5, 1, 8), office)
    assert on_the_day.outcome == "deferred"
    assert "2026-05-01 is not a business day (Labor Day)" in on_the_day.reason


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"windows": [{"days": ["mon"], "from": "9:00", "to": "17:00"}]}, "windows[0].from"),
        ({"windows": [{"days": ["mon"], "from": "24:00", "to": "17:00"}]}, "windows[0].from"),
        ({"windows": [{"days": ["mon"], "from": "09:00", "to": "17:60"}]}, "windows[0].to"),
        ({"windows": [{"days": ["mon"], "from": "09:00", "to": "09:00"}]}, "windows[0].to"),
        (
            {"windows": [{"days": ["mon", "xyz"], "from": "09:00", "to": "17:00"}]},
            "windows[0].days[1]",
        ),
        ({"windows": [{"days": [], "from": "09:00", "to": "17:00"}]}, "windows[0].days"),
        (
            {"windows": [{"days": ["mon"], "from": "09:00", "to": "17:00", "tz": "x"}]},
            "windows[0].tz",
        ),
        ({"windows": "mon-fri"}, "windows"),
        (
            {"blackouts": [{"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}]},
            "blackouts[0].end",
        ),
        (
            {"blackouts": [{"start": "2026-01-01T00:00:00", "end": "2026-01-02T00:00:00Z"}]},
            "blackouts[0].start",
        ),
        ({"blackouts": [{"start": "soon", "end": "2026-01-02T00:00:00Z"}]}, "blackouts[0].start"),
        ({"outside_window": "later"}, "outside_window"),
    ],
)
def test_bad_windows_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        policy(body)
    assert set(refused.value.fields) == {field}
