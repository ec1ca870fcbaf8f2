"""Business-day schedules and the non-business-day rule, as tables.

The reference lists are literal data read off a calendar (GNU ``date``, its ``TZ`` for
the offsets) and the French public holiday list, not computed by the code under test:
no French public holiday falls on the last weekday of a month in 2026-2030, so the last
business day is the last Monday-Friday; summer time (+02:00) runs from the last Sunday
of March to the last Sunday of October, which puts 29 Oct 2027 in summer time and
29 Mar 2030 (summer time starts on the 31st) in winter time."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from jobsched.domain import business_schedule as bs
from jobsched.domain import calendars as cal
from jobsched.domain import cron
from jobsched.errors import ValidationError

LAST_BUSINESS_DAY_18H_PARIS_2026_2030 = [
    "2026-01-30T18:00:00+01:00",
    "2026-02-27T18:00:00+01:00",
    "2026-03-31T18:00:00+02:00",
    "2026-04-30T18:00:00+02:00",
    "2026-05-29T18:00:00+02:00",
    "2026-06-30T18:00:00+02:00",
    "2026-07-31T18:00:00+02:00",
    "2026-08-31T18:00:00+02:00",
    "2026-09-30T18:00:00+02:00",
    "2026-10-30T18:00:00+01:00",
    "2026-11-30T18:00:00+01:00",
    "2026-12-31T18:00:00+01:00",
    "2027-01-29T18:00:00+01:00",
    "2027-02-26T18:00:00+01:00",
    "2027-03-31T18:00:00+02:00",
    "2027-04-30T18:00:00+02:00",
    "2027-05-31T18:00:00+02:00",
    "2027-06-30T18:00:00+02:00",
    "2027-07-30T18:00:00+02:00",
    "2027-08-31T18:00:00+02:00",
    "2027-09-30T18:00:00+02:00",
    "2027-10-29T18:00:00+02:00",
    "2027-11-30T18:00:00+01:00",
    "2027-12-31T18:00:00+01:00",
    "2028-01-31T18:00:00+01:00",
    "2028-02-29T18:00:00+01:00",
    "2028-03-31T18:00:00+02:00",
    "2028-04-28T18:00:00+02:00",
    "2028-05-31T18:00:00+02:00",
    "2028-06-30T18:00:00+02:00",
    "2028-07-31T18:00:00+02:00",
    "2028-08-31T18:00:00+02:00",
    "2028-09-29T18:00:00+02:00",
    "2028-10-31T18:00:00+01:00",
    "2028-11-30T18:00:00+01:00",
    "2028-12-29T18:00:00+01:00",
    "2029-01-31T18:00:00+01:00",
    "2029-02-28T18:00:00+01:00",
    "2029-03-30T18:00:00+02:00",
    "2029-04-30T18:00:00+02:00",
    "2029-05-31T18:00:00+02:00",
    "2029-06-29T18:00:00+02:00",
    "2029-07-31T18:00:00+02:00",
    "2029-08-31T18:00:00+02:00",
    "2029-09-28T18:00:00+02:00",
    "2029-10-31T18:00:00+01:00",
    "2029-11-30T18:00:00+01:00",
    "2029-12-31T18:00:00+01:00",
    "2030-01-31T18:00:00+01:00",
    "2030-02-28T18:00:00+01:00",
    "2030-03-29T18:00:00+01:00",
    "2030-04-30T18:00:00+02:00",
    "2030-05-31T18:00:00+02:00",
    "2030-06-28T18:00:00+02:00",
    "2030-07-31T18:00:00+02:00",
    "2030-08-30T18:00:00+02:00",
    "2030-09-30T18:00:00+02:00",
    "2030-10-31T18:00:00+01:00",
    "2030-11-29T18:00:00+01:00",
    "2030-12-31T18:00:00+01:00",
]


def paris(**extra: Any) -> cal.Calendar:
    body = {"name": "fr", "timezone": "Europe/Paris", "holidays": {"country": "FR"}}
    return cal.calendar_from_dict({**body, **extra})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_last_business_day_18h_paris_every_month_2026_to_2030() -> None:
    rule = bs.business_day_rule_from_dict({"business_day": "last", "at": "18:00"})
    fires = bs.business_day_fires(rule, paris(), utc(2025, 12, 31, 23))
    got = [next(fires) for _ in range(60)]
    expected = [datetime.fromisoformat(s) for s in LAST_BUSINESS_DAY_18H_PARIS_2026_2030]
    assert got == expected
    assert all(t.tzinfo is UTC for t in got)


def test_a_holiday_on_the_last_weekday_moves_the_last_business_day() -> None:
    # Good Friday (30 March 2029) is a holiday in Alsace-Moselle only.
    rule = bs.BusinessDayRule(-1, time(18))
    moselle = paris(holidays={"country": "FR", "subdivision": "57"})
    assert next(bs.business_day_fires(rule, moselle, utc(2029, 3, 1))) == utc(2029, 3, 29, 16)
    assert next(bs.business_day_fires(rule, paris(), utc(2029, 3, 1))) == utc(2029, 3, 30, 16)
    closed = paris(dates=["2026-07-31"])  # an extra closed date on Friday 31 July
    assert next(bs.business_day_fires(rule, closed, utc(2026, 7, 1))) == utc(2026, 7, 30, 16)


@pytest.mark.parametrize(
    ("n", "after", "expected"),
    [
        (1, utc(2026, 4, 30), [utc(2026, 5, 4, 7), utc(2026, 6, 1, 7)]),  # Fri 1 May
        (5, utc(2026, 4, 30), [utc(2026, 5, 11, 7)]),  # 4 5 6 7 (Fri 8 May) 11
        (1, utc(2026, 12, 31), [utc(2027, 1, 4, 8)]),  # Fri 1 January; winter: +01:00
        (-2, utc(2026, 12, 1), [utc(2026, 12, 30, 8)]),
        # February 2026 has 20 business days: the 21st exists from March on (Mon 30).
        (21, utc(2026, 2, 1), [utc(2026, 3, 30, 7)]),
    ],
)
def test_nth_business_day_at_a_time(n: int, after: datetime, expected: list[datetime]) -> None:
    fires = bs.business_day_fires(bs.BusinessDayRule(n, time(9)), paris(), after)
    assert [next(fires) for _ in expected] == expected


def test_a_business_day_time_missing_on_a_dst_day_runs_when_the_clocks_jump() -> None:
    # Sunday 29 March 2026 02:30 does not exist in Paris; with Sundays working days
    # the last business day is that Sunday.
    sundays = paris(weekdays=["sun"])
    rule = bs.BusinessDayRule(-1, time(2, 30))
    assert next(bs.business_day_fires(rule, sundays, utc(2026, 3, 1))) == utc(2026, 3, 29, 1)
    skip = cron.DstRule(gap="skip")
    assert next(bs.business_day_fires(rule, sundays, utc(2026, 3, 1), skip)) == utc(
        2026, 4, 26, 0, 30
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"business_day": 0, "at": "18:00"}, "business_day"),
        ({"business_day": 24, "at": "18:00"}, "business_day"),
        ({"business_day": "first", "at": "18:00"}, "business_day"),
        ({"business_day": True, "at": "18:00"}, "business_day"),
        ({"business_day": -1, "at": "24:00"}, "at"),
        ({"business_day": -1, "at": "6pm"}, "at"),
    ],
)
def test_bad_business_day_rules_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        bs.business_day_rule_from_dict(body)
    assert set(refused.value.fields) == {field}


# Daily at 09:00 Paris (07:00 UTC in summer) around 1 May 2026: Thu 30 April works,
# Fri 1 May (Labor Day), Sat 2, Sun 3 do not, Mon 4 works.
DAILY_9H = "0 9 * * *"


def daily(after: datetime) -> Any:
    return cron.fires(DAILY_9H, "Europe/Paris", after)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "skip",
            [
                (utc(2026, 4, 30, 7), utc(2026, 4, 30, 7), "run", None),
                (
                    utc(2026, 5, 1, 7),
                    None,
                    "skipped",
                    "2026-05-01 is not a business day (Labor Day)",
                ),
                (utc(2026, 5, 2, 7), None, "skipped", "2026-05-02 is not a business day (weekend)"),
                (utc(2026, 5, 3, 7), None, "skipped", "2026-05-03 is not a business day (weekend)"),
                (utc(2026, 5, 4, 7), utc(2026, 5, 4, 7), "run", None),
            ],
        ),
        (
            "next",
            [
                (utc(2026, 4, 30, 7), utc(2026, 4, 30, 7), "run", None),
                (utc(2026, 5, 4, 7), utc(2026, 5, 4, 7), "run", None),
                (utc(2026, 5, 1, 7), utc(2026, 5, 4, 7), "merged", "Labor Day"),
                (utc(2026, 5, 2, 7), utc(2026, 5, 4, 7), "merged", "weekend"),
                (utc(2026, 5, 3, 7), utc(2026, 5, 4, 7), "merged", "weekend"),
            ],
        ),
        (
            "previous",
            [
                (utc(2026, 4, 30, 7), utc(2026, 4, 30, 7), "run", None),
                (utc(2026, 5, 1, 7), utc(2026, 4, 30, 7), "merged", "Labor Day"),
                (utc(2026, 5, 2, 7), utc(2026, 4, 30, 7), "merged", "weekend"),
                (utc(2026, 5, 3, 7), utc(2026, 4, 30, 7), "merged", "weekend"),
                (utc(2026, 5, 4, 7), utc(2026, 5, 4, 7), "run", None),
            ],
        ),
    ],
)
def test_a_daily_schedule_over_a_long_weekend(rule: str, expected: list[tuple]) -> None:
    plan = bs.plan(daily, paris(), rule, utc(2026, 4, 30))
    got = [next(plan) for _ in expected]
    assert [(o.scheduled, o.runs_at, o.outcome) for o in got] == [e[:3] for e in expected]
    for occurrence, (*_, reason) in zip(got, expected, strict=True):
        if reason is None:
            assert occurrence.reason is None
        else:
            assert reason in occurrence.reason


@pytest.mark.parametrize(
    ("rule", "runs_at", "outcome", "reason"),
    [
        ("skip", None, "skipped", "2026-05-01 is not a business day (Labor Day)"),
        (
            "next",
            utc(2026, 5, 4, 7),
            "moved",
            "2026-05-01 is not a business day (Labor Day);"
            " moved to the next business day 2026-05-04",
        ),
        (
            "previous",
            utc(2026, 4, 30, 7),
            "moved",
            "2026-05-01 is not a business day (Labor Day);"
            " moved to the previous business day 2026-04-30",
        ),
    ],
)
def test_a_monthly_schedule_on_a_holiday(
    rule: str, runs_at: datetime | None, outcome: str, reason: str
) -> None:
    # 09:00 on the 1st of each month: 1 May 2026 is Labor Day, 1 June a Monday.
    plan = bs.plan(
        lambda t: cron.fires("0 9 1 * *", "Europe/Paris", t), paris(), rule, utc(2026, 4, 2)
    )
    first, second = next(plan), next(plan)
    assert (first.scheduled, first.runs_at, first.outcome, first.reason) == (
        utc(2026, 5, 1, 7),
        runs_at,
        outcome,
        reason,
    )
    assert (second.runs_at, second.outcome) == (utc(2026, 6, 1, 7), "run")


def test_a_moved_occurrence_keeps_its_wall_time_across_a_dst_change() -> None:
    # Sat 28 March 2026 09:00 (08:00 UTC, winter) moves to Mon 30 March 09:00 (07:00 UTC).
    moved = bs.resolve(utc(2026, 3, 28, 8), paris(), "next")
    assert (moved.runs_at, moved.outcome) == (utc(2026, 3, 30, 7), "moved")


def test_next_finds_an_occurrence_scheduled_before_after_that_runs_after_it() -> None:
    # The tick asks at Sun 3 May noon: Friday's and the weekend's runs are still to come.
    plan = bs.plan(daily, paris(), "next", utc(2026, 5, 3, 12))
    first = next(plan)
    assert (first.runs_at, first.outcome) == (utc(2026, 5, 4, 7), "run")
    # Monthly on the 1st, asked on 2 May: the 1 May occurrence (Labor Day) runs on the 4th.
    monthly = bs.plan(
        lambda t: cron.fires("0 9 1 * *", "Europe/Paris", t), paris(), "next", utc(2026, 5, 2)
    )
    first = next(monthly)
    assert (first.scheduled, first.runs_at, first.outcome) == (
        utc(2026, 5, 1, 7),
        utc(2026, 5, 4, 7),
        "moved",
    )


def test_a_closure_longer_than_the_move_limit_skips() -> None:
    closed = paris(dates=[(date(2026, 7, 1) + timedelta(days=i)).isoformat() for i in range(62)])
    verdict = bs.resolve(utc(2026, 7, 1, 7), closed, "next")
    assert verdict.outcome == "skipped"
    assert "no next business day within 31 days" in verdict.reason


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError):
        next(bs.plan(daily, paris(), "later", utc(2026, 1, 1)))


@pytest.mark.parametrize("rule", ["next", "previous"])
def test_moved_occurrences_come_in_run_order_and_each_instant_runs_once(rule: str) -> None:
    # Twice a day (09:00 and 15:00 Paris) over the 1 May weekend: Saturday 09:00 moves
    # back to Thursday 09:00 (or on to Monday), before Thursday 15:00's run.
    plan = bs.plan(
        lambda t: cron.fires("0 9,15 * * *", "Europe/Paris", t), paris(), rule, utc(2026, 4, 30)
    )
    got = [next(plan) for _ in range(10)]
    runs = [o.runs_at for o in got if o.outcome in ("run", "moved")]
    assert runs == sorted(set(runs))
    assert [o.runs_at for o in got] == sorted(o.runs_at for o in got)
    expected_runs = {
        "previous": [utc(2026, 4, 30, 7), utc(2026, 4, 30, 13), utc(2026, 5, 4, 7)],
        "next": [
            utc(2026, 4, 30, 7),
            utc(2026, 4, 30, 13),
            utc(2026, 5, 4, 7),
            utc(2026, 5, 4, 13),
        ],
    }
    assert runs[:3] == expected_runs[rule][:3]
