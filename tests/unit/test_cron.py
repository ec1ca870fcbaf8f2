"""Cron math as a table: expression, zone, 'after' -> next fire times (UTC)."""

from datetime import UTC, datetime

import pytest

from jobsched.domain import cron


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        (
            "*/5 * * * *",
            "UTC",
            utc(2026, 1, 1, 0, 2),
            [utc(2026, 1, 1, 0, 5), utc(2026, 1, 1, 0, 10)],
        ),
        ("0 6 * * *", "UTC", utc(2026, 1, 1, 6, 0), [utc(2026, 1, 2, 6), utc(2026, 1, 3, 6)]),
        ("0 0 * * 0", "UTC", utc(2026, 1, 1), [utc(2026, 1, 4), utc(2026, 1, 11)]),  # Sundays
        (
            "*/5 * * * * *",
            "UTC",
            utc(2026, 1, 1, 0, 0, 1),
            [utc(2026, 1, 1, 0, 0, 5), utc(2026, 1, 1, 0, 0, 10)],
        ),
        # 06:00 in Paris: 05:00 UTC in winter, 04:00 UTC once summer time starts (29 March).
        (
            "0 6 * * *",
            "Europe/Paris",
            utc(2026, 3, 27, 12),
            [utc(2026, 3, 28, 5), utc(2026, 3, 29, 4), utc(2026, 3, 30, 4)],
        ),
        # ...and back to 05:00 UTC when it ends (25 October).
        (
            "0 6 * * *",
            "Europe/Paris",
            utc(2026, 10, 24, 12),
            [utc(2026, 10, 25, 5), utc(2026, 10, 26, 5)],
        ),
        # New York springs forward on 8 March 2026: 09:00 local is 14:00 then 13:00 UTC.
        (
            "0 9 * * *",
            "America/New_York",
            utc(2026, 3, 7, 0),
            [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)],
        ),
    ],
)
def test_next_runs(expression: str, zone: str, after: datetime, expected: list[datetime]) -> None:
    assert cron.next_runs(expression, zone, after, len(expected)) == expected


def test_an_hourly_job_fires_once_per_real_hour_across_the_autumn_change() -> None:
    # 25 Oct 2026: Paris clocks go 03:00 CEST -> 02:00 CET; every real hour still fires once.
    times = cron.next_runs("0 * * * *", "Europe/Paris", utc(2026, 10, 24, 23, 30), 4)
    assert times == [
        utc(2026, 10, 25, 0),
        utc(2026, 10, 25, 1),
        utc(2026, 10, 25, 2),
        utc(2026, 10, 25, 3),
    ]


@pytest.mark.parametrize(
    "expression",
    ["", "* * * *", "61 * * * *", "* * * * * * *", "*/0 * * * *", "a b c d e", 5],
)
def test_invalid_schedules_are_refused(expression: object) -> None:
    with pytest.raises(ValueError):
        cron.validate_schedule(expression)  # type: ignore[arg-type]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "UTC+5", "../../etc/passwd"])
def test_unknown_time_zones_are_refused(zone: str) -> None:
    with pytest.raises(ValueError):
        cron.parse_timezone(zone)


def test_occurrences_until_lists_every_missed_fire_time() -> None:
    times, truncated = cron.occurrences_until(
        "*/5 * * * * *", "UTC", utc(2026, 1, 1), utc(2026, 1, 1, 0, 0, 12), limit=100
    )
    assert times == [utc(2026, 1, 1), utc(2026, 1, 1, 0, 0, 5), utc(2026, 1, 1, 0, 0, 10)]
    assert not truncated


def test_occurrences_until_keeps_the_latest_when_too_many_were_missed() -> None:
    times, truncated = cron.occurrences_until(
        "*/5 * * * * *", "UTC", utc(2026, 1, 1), utc(2026, 1, 1, 1, 0, 12), limit=3
    )
    assert truncated
    assert times == [utc(2026, 1, 1), utc(2026, 1, 1, 0, 0, 5), utc(2026, 1, 1, 1, 0, 10)]


SHIFT, SKIP = cron.DstRule(gap="shift"), cron.DstRule(gap="skip")
FIRST, TWICE = cron.DstRule(overlap="first"), cron.DstRule(overlap="twice")


@pytest.mark.parametrize(
    ("expression", "zone", "rule", "after", "expected"),
    [
        # Paris springs forward on 29 March 2026 (02:00 CET -> 03:00 CEST, 01:00 UTC):
        # 02:30 does not exist. By default it runs when the clocks jump...
        (
            "30 2 * * *",
            "Europe/Paris",
            SHIFT,
            utc(2026, 3, 27, 12),
            [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30)],
        ),
        # ...or, with dst_gap=skip, not that day.
        (
            "30 2 * * *",
            "Europe/Paris",
            SKIP,
            utc(2026, 3, 27, 12),
            [utc(2026, 3, 28, 1, 30), utc(2026, 3, 30, 0, 30)],
        ),
        # Paris falls back on 25 October (03:00 CEST -> 02:00 CET, 01:00 UTC): 02:30
        # happens twice. Once by default, at its first instance...
        (
            "30 2 * * *",
            "Europe/Paris",
            FIRST,
            utc(2026, 10, 23, 12),
            [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        ),
        # ...or both, with dst_overlap=twice.
        (
            "30 2 * * *",
            "Europe/Paris",
            TWICE,
            utc(2026, 10, 24, 12),
            [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30), utc(2026, 10, 26, 1, 30)],
        ),
        # A wildcard hour keeps real time: every real hour once, the missing one not at all.
        (
            "30 * * * *",
            "Europe/Paris",
            SHIFT,
            utc(2026, 3, 29, 0),
            [utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2, 30)],
        ),
        (
            "30 * * * *",
            "Europe/Paris",
            FIRST,
            utc(2026, 10, 24, 23),
            [utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)],
        ),
        # New York springs forward on 8 March (02:00 EST -> 03:00 EDT, 07:00 UTC).
        (
            "30 2 * * *",
            "America/New_York",
            SHIFT,
            utc(2026, 3, 6, 12),
            [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)],
        ),
        (
            "30 2 * * *",
            "America/New_York",
            SKIP,
            utc(2026, 3, 6, 12),
            [utc(2026, 3, 7, 7, 30), utc(2026, 3, 9, 6, 30)],
        ),
        # A fixed hour wholly inside the gap runs once when the clocks jump, not four times.
        (
            "*/15 2 * * *",
            "America/New_York",
            SHIFT,
            utc(2026, 3, 8, 6, 50),
            [utc(2026, 3, 8, 7), utc(2026, 3, 9, 6)],
        ),
        # New York falls back on 1 November (02:00 EDT -> 01:00 EST, 06:00 UTC).
        (
            "30 1 * * *",
            "America/New_York",
            FIRST,
            utc(2026, 10, 30, 12),
            [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
        ),
        (
            "30 1 * * *",
            "America/New_York",
            TWICE,
            utc(2026, 10, 31, 12),
            [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30), utc(2026, 11, 2, 6, 30)],
        ),
        (
            "0 * * * *",
            "America/New_York",
            FIRST,
            utc(2026, 11, 1, 3, 30),
            [utc(2026, 11, 1, 4), utc(2026, 11, 1, 5), utc(2026, 11, 1, 6), utc(2026, 11, 1, 7)],
        ),
        # Asked from inside the repeated hour (01:45 EST), the next fire is 02:00 EST.
        (
            "0 * * * *",
            "America/New_York",
            FIRST,
            utc(2026, 11, 1, 6, 45),
            [utc(2026, 11, 1, 7)],
        ),
    ],
)
def test_dst_changeover_days(
    expression: str, zone: str, rule: cron.DstRule, after: datetime, expected: list[datetime]
) -> None:
    assert cron.next_runs(expression, zone, after, len(expected), rule) == expected


def test_between_lists_a_range_and_says_when_it_was_cut() -> None:
    times, more = cron.between("0 * * * *", "UTC", utc(2026, 1, 1, 1), utc(2026, 1, 1, 4), limit=10)
    assert times == [utc(2026, 1, 1, 1), utc(2026, 1, 1, 2), utc(2026, 1, 1, 3)]
    assert not more
    assert cron.between("0 * * * *", "UTC", utc(2026, 1, 1), utc(2026, 1, 2), limit=3)[1]


# Quartz-style day tokens. The expected days were read off a calendar (GNU ``date``),
# not computed: 2026-01-31 and 2026-02-28 are Saturdays, 2026-05-31, 2026-02-15,
# 2026-03-15 and 2026-11-01 Sundays, 2026-08-01 and 2026-08-15 Saturdays.
@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # L: the last day of the month, whatever its weekday (leap years included).
        ("0 0 L * *", utc(2026, 1, 1), [utc(2026, 1, 31), utc(2026, 2, 28), utc(2026, 3, 31)]),
        ("0 0 L 2 *", utc(2027, 3, 1), [utc(2028, 2, 29), utc(2029, 2, 28)]),
        # LW: the last weekday. Jan 31 Sat -> Fri 30; Feb 28 Sat -> Fri 27; Mar 31 Tue;
        # Apr 30 Thu; May 31 Sun -> Fri 29.
        (
            "0 0 LW * *",
            utc(2026, 1, 1),
            [
                utc(2026, 1, 30),
                utc(2026, 2, 27),
                utc(2026, 3, 31),
                utc(2026, 4, 30),
                utc(2026, 5, 29),
            ],
        ),
        ("0 0 lw 2 *", utc(2027, 3, 1), [utc(2028, 2, 29)]),  # Tue 29 Feb 2028
        # 15W: the weekday nearest the 15th. Jan 15 Thu; Feb 15 Sun -> Mon 16;
        # Aug 15 Sat -> Fri 14.
        ("0 0 15W * *", utc(2026, 1, 1), [utc(2026, 1, 15), utc(2026, 2, 16), utc(2026, 3, 16)]),
        ("0 0 15W 8 *", utc(2026, 1, 1), [utc(2026, 8, 14)]),
        # 1W never crosses into the month before: Sat 1 Aug -> Mon 3 Aug, Sun 1 Nov -> Mon 2.
        ("0 0 1W 8,11 *", utc(2026, 7, 1), [utc(2026, 8, 3), utc(2026, 11, 2)]),
        # 5#2: the second Friday. 5L / FRIL: the last Friday.
        ("0 0 * * 5#2", utc(2026, 1, 1), [utc(2026, 1, 9), utc(2026, 2, 13)]),
        ("0 0 * * 5L", utc(2026, 7, 1), [utc(2026, 7, 31), utc(2026, 8, 28)]),
        ("0 0 * * FRIL", utc(2026, 1, 1), [utc(2026, 1, 30)]),
        ("0 0 * * 1L,5L", utc(2026, 1, 1), [utc(2026, 1, 26), utc(2026, 1, 30)]),
        # Seconds field first: the day-of-month is still the fourth field from the end.
        ("0 0 0 LW * *", utc(2026, 1, 1), [utc(2026, 1, 30)]),
    ],
)
def test_quartz_day_tokens(expression: str, after: datetime, expected: list[datetime]) -> None:
    assert cron.validate_schedule(expression) == expression
    assert cron.next_runs(expression, "UTC", after, len(expected)) == expected


def test_quartz_tokens_follow_the_zone_across_a_dst_change() -> None:
    # Last Sunday of March 2026 (29th) at 02:30 Paris does not exist: run when clocks jump.
    assert cron.next_run("30 2 * * 0L", "Europe/Paris", utc(2026, 3, 1)) == utc(2026, 3, 29, 1)


@pytest.mark.parametrize(
    ("expression", "field"),
    [
        ("0 0 32W * *", "day-of-month field '32W'"),
        ("0 0 0W * *", "day-of-month field '0W'"),
        ("0 0 2L * *", "day-of-month field '2L'"),
        ("0 0 LW,1 * *", "day-of-month field 'LW,1'"),
        ("0 0 * * 5#6", "day-of-week field '5#6'"),
        ("0 0 * * 8L", "day-of-week field '8L'"),
        ("0 0 * * LW", "day-of-week field 'LW'"),
        ("0 L * * *", "hour field 'L'"),
        ("0 0 * L *", "month field 'L'"),
        ("61 0 * * *", "minute field '61'"),
        ("0 0 0 0 15W * *", None),  # 7 fields: the count is the problem
    ],
)
def test_bad_tokens_name_their_field(expression: str, field: str | None) -> None:
    with pytest.raises(ValueError) as refused:
        cron.validate_schedule(expression)
    if field:
        assert f"invalid {field}" in str(refused.value)
