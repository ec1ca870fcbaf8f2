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


# --------------------------------------------------------- what a schedule means
# Days read off a calendar (GNU ``date``): 2026-01-01 is a Thursday, so January 2026's
# last Sunday..Saturday are the 25th..31st.


@pytest.mark.parametrize(
    ("day", "last"),
    [("SUN", 25), ("MON", 26), ("TUE", 27), ("WED", 28), ("THU", 29), ("FRI", 30), ("SAT", 31)],
)
def test_each_named_weekdays_last_of_the_month(day: str, last: int) -> None:
    """``MONL`` is the last Monday, and so on for every day name (and its number)."""
    number = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"].index(day)
    for token in (f"{day}L", f"{day.lower()}l", f"{number}L"):
        assert cron.next_run(f"0 0 * * {token}", "UTC", utc(2026, 1, 1)) == utc(2026, 1, last)
    assert cron.next_run("0 0 * * 7L", "UTC", utc(2026, 1, 1)) == utc(2026, 1, 25)  # 7: Sunday


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # Day of month and day of week both restricted: either one fires (Vixie cron's
        # OR), so the 13th (a Tuesday in January) and every Friday.
        (
            "0 0 13 * 5",
            utc(2026, 1, 1),
            [utc(2026, 1, 2), utc(2026, 1, 9), utc(2026, 1, 13), utc(2026, 1, 16)],
        ),
        # Only one of them restricted: that one alone (an AND with the wildcard).
        ("0 0 13 * *", utc(2026, 1, 1), [utc(2026, 1, 13), utc(2026, 2, 13)]),
        ("0 0 * * 5", utc(2026, 1, 1), [utc(2026, 1, 2), utc(2026, 1, 9)]),
        # Ranges and steps: 9 to 17 every 4 hours is 9, 13, 17; minutes 10-20/5.
        (
            "0 9-17/4 * * *",
            utc(2026, 1, 1),
            [utc(2026, 1, 1, 9), utc(2026, 1, 1, 13), utc(2026, 1, 1, 17), utc(2026, 1, 2, 9)],
        ),
        (
            "10-20/5 0 * * *",
            utc(2026, 1, 1),
            [utc(2026, 1, 1, 0, 10), utc(2026, 1, 1, 0, 15), utc(2026, 1, 1, 0, 20)],
        ),
        # Weekdays by name, a list of months, the year's turn.
        ("0 0 * * MON-FRI", utc(2026, 1, 2, 12), [utc(2026, 1, 5), utc(2026, 1, 6)]),
        ("0 0 1 1,7 *", utc(2026, 7, 1), [utc(2027, 1, 1), utc(2027, 7, 1)]),
        ("59 23 31 12 *", utc(2026, 12, 31, 23, 58), [utc(2026, 12, 31, 23, 59)]),
        ("0 0 29 2 *", utc(2026, 1, 1), [utc(2028, 2, 29), utc(2032, 2, 29)]),
    ],
)
def test_field_semantics(expression: str, after: datetime, expected: list[datetime]) -> None:
    assert cron.next_runs(expression, "UTC", after, len(expected)) == expected


def test_next_run_is_strictly_after_even_a_fire_time_itself() -> None:
    assert cron.next_run("*/5 * * * *", "UTC", utc(2026, 1, 1, 0, 5)) == utc(2026, 1, 1, 0, 10)
    just_before = datetime(2026, 1, 1, 0, 4, 59, 999999, tzinfo=UTC)
    assert cron.next_run("*/5 * * * *", "UTC", just_before) == utc(2026, 1, 1, 0, 5)
    assert cron.next_run("0 0 0 * * *", "UTC", utc(2026, 1, 1)) == utc(2026, 1, 2)


def test_an_after_with_an_offset_means_the_same_instant() -> None:
    paris_noon = datetime(2026, 1, 1, 12, tzinfo=cron.parse_timezone("Europe/Paris"))
    assert cron.next_run("0 * * * *", "UTC", paris_noon) == utc(2026, 1, 1, 12)


def test_the_default_rule_shifts_a_missing_time_and_runs_a_repeated_one_once() -> None:
    assert cron.DstRule(gap="shift", overlap="first") == cron.DEFAULT_DST
    assert cron.next_runs("30 2 * * *", "Europe/Paris", utc(2026, 3, 28, 12), 1) == [
        utc(2026, 3, 29, 1)
    ]
    assert cron.next_runs("30 2 * * *", "Europe/Paris", utc(2026, 10, 24, 12), 2) == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
    ]
    # The API's names for the rules.
    assert cron.DST_GAPS == ("shift", "skip")
    assert cron.DST_OVERLAPS == ("first", "twice")


def test_a_missing_time_shifts_to_the_exact_second_the_clocks_jump() -> None:
    # Lord Howe (Australia) springs forward by 30 minutes at 02:00 LHST (+10:30) on
    # 4 October 2026, 15:30 UTC the day before: 02:10 does not exist, and runs then.
    assert cron.next_run("10 2 * * *", "Australia/Lord_Howe", utc(2026, 10, 3, 12)) == utc(
        2026, 10, 3, 15, 30
    )
    # A seconds schedule in the gap, New York: 02:00:30 -> the jump, 07:00:00 UTC.
    assert cron.next_run("30 0 2 * * *", "America/New_York", utc(2026, 3, 8, 6)) == utc(
        2026, 3, 8, 7
    )
    # Paris, 02:04:30 on 29 March: the jump to the second (01:00:00 UTC), not 01:00:01.
    assert cron.next_run("30 4 2 * * *", "Europe/Paris", utc(2026, 3, 28, 12)) == utc(
        2026, 3, 29, 1
    )


def test_asked_from_inside_a_repeated_hour_a_fixed_time_is_not_run_again() -> None:
    # Paris, 25 Oct: 02:30 CEST (00:30 UTC) ran; asked at 02:45 CET (01:45 UTC), the
    # next run of 30 2 is the next day's, and with twice the second 02:30 was at 01:30.
    assert cron.next_run("30 2 * * *", "Europe/Paris", utc(2026, 10, 25, 1, 45)) == utc(
        2026, 10, 26, 1, 30
    )
    twice = cron.DstRule(overlap="twice")
    assert cron.next_run("30 2 * * *", "Europe/Paris", utc(2026, 10, 25, 1), twice) == utc(
        2026, 10, 25, 1, 30
    )
    assert cron.next_run("30 2 * * *", "Europe/Paris", utc(2026, 10, 25, 0, 30), twice) == utc(
        2026, 10, 25, 1, 30
    )


@pytest.mark.parametrize(
    ("wall", "fixed", "rule", "expected"),
    [
        (datetime(2026, 1, 1, 12), True, cron.DEFAULT_DST, [utc(2026, 1, 1, 11)]),
        (datetime(2026, 3, 29, 2, 30), True, cron.DstRule(gap="shift"), [utc(2026, 3, 29, 1)]),
        (datetime(2026, 3, 29, 2, 30), True, cron.DstRule(gap="skip"), []),
        (datetime(2026, 3, 29, 2, 30), False, cron.DstRule(gap="shift"), []),
        (
            datetime(2026, 10, 25, 2, 30),
            True,
            cron.DstRule(overlap="first"),
            [utc(2026, 10, 25, 0, 30)],
        ),
        (
            datetime(2026, 10, 25, 2, 30),
            True,
            cron.DstRule(overlap="twice"),
            [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)],
        ),
        (
            datetime(2026, 10, 25, 2, 30),
            False,
            cron.DstRule(overlap="first"),
            [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)],
        ),
    ],
)
def test_instants_of_a_wall_time_in_paris(wall, fixed, rule, expected) -> None:
    paris = cron.parse_timezone("Europe/Paris")
    assert cron.instants(wall, paris, fixed, rule) == expected


@pytest.mark.parametrize(
    ("expression", "fixed"),
    [
        ("30 2 * * *", True),
        ("0 1,13 * * *", True),
        ("0 9-17 * * *", True),
        ("0 * * * *", False),
        ("0 */2 * * *", False),
        ("0 9-17/2 * * *", False),  # a step without a star: real-time cadence too
        ("0 30 2 * * *", True),  # seconds first: the hour is the third field
        ("0 * 2 * * *", True),
        ("0 0 * * * *", False),
    ],
)
def test_fixed_hour(expression: str, fixed: bool) -> None:
    assert cron.fixed_hour(expression) is fixed


# ------------------------------------------------------------ ranges of fire times


def test_between_includes_its_start_excludes_its_end_and_cuts_at_its_limit() -> None:
    hourly = "0 * * * *"
    times, more = cron.between(hourly, "UTC", utc(2026, 1, 1, 1), utc(2026, 1, 1, 3), limit=2)
    assert (times, more) == ([utc(2026, 1, 1, 1), utc(2026, 1, 1, 2)], False)
    times, more = cron.between(hourly, "UTC", utc(2026, 1, 1, 1), utc(2026, 1, 1, 3, 1), limit=2)
    assert (times, more) == ([utc(2026, 1, 1, 1), utc(2026, 1, 1, 2)], True)
    assert cron.between(hourly, "UTC", utc(2026, 1, 1, 1, 1), utc(2026, 1, 1, 2), 5) == ([], False)
    a_microsecond_late = datetime(2026, 1, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert cron.between(hourly, "UTC", a_microsecond_late, utc(2026, 1, 1, 2), 5) == ([], False)


def test_occurrences_until_at_its_edges() -> None:
    every5 = "*/5 * * * * *"
    start = utc(2026, 1, 1)
    # Not due yet: nothing; due exactly now: itself.
    assert cron.occurrences_until(every5, "UTC", start, utc(2025, 12, 31, 23, 59), 10) == (
        [],
        False,
    )
    assert cron.occurrences_until(every5, "UTC", start, start, 10) == ([start], False)
    # Now exactly a fire time: it is included.
    now = utc(2026, 1, 1, 0, 0, 10)
    expected = [start, utc(2026, 1, 1, 0, 0, 5), now]
    assert cron.occurrences_until(every5, "UTC", start, now, 10) == (expected, False)
    # Exactly limit of them: all, not truncated; one more: the first two and the latest.
    assert cron.occurrences_until(every5, "UTC", start, now, 3) == (expected, False)
    later = utc(2026, 1, 1, 0, 0, 15)
    assert cron.occurrences_until(every5, "UTC", start, later, 3) == (
        [start, utc(2026, 1, 1, 0, 0, 5), later],
        True,
    )


def test_latest_counts_back_from_until_included() -> None:
    hourly = "0 * * * *"
    until = utc(2026, 1, 1, 12)
    assert cron.latest(hourly, "UTC", until, 1) == [until]
    assert cron.latest(hourly, "UTC", utc(2026, 1, 1, 11, 59), 2) == [
        utc(2026, 1, 1, 10),
        utc(2026, 1, 1, 11),
    ]
    assert cron.latest(hourly, "UTC", until, 3) == [
        utc(2026, 1, 1, 10),
        utc(2026, 1, 1, 11),
        until,
    ]
    # not_before is included, and nothing before it is listed.
    assert cron.latest(hourly, "UTC", until, 5, not_before=utc(2026, 1, 1, 11)) == [
        utc(2026, 1, 1, 11),
        until,
    ]
    assert cron.latest(hourly, "UTC", until, 5, not_before=utc(2026, 1, 1, 11, 1)) == [until]


def test_latest_finds_a_sparse_schedules_last_fire_within_a_year() -> None:
    # Yearly on 1 March: seen from 28 Feb 2027, the last was a year ago (each window
    # tried in turn: 2 minutes, 2 hours, 2 days, 400 days).
    assert cron.latest("0 0 1 3 *", "UTC", utc(2027, 2, 28), 1) == [utc(2026, 3, 1)]
    assert cron.latest("0 0 1 3 *", "UTC", utc(2027, 2, 28), 2) == [utc(2026, 3, 1)]
    # A 3-day cadence: the 2-day window is too short for two, the 400-day one is not.
    assert cron.latest("0 0 */3 * *", "UTC", utc(2026, 1, 10, 12), 2) == [
        utc(2026, 1, 7),
        utc(2026, 1, 10),
    ]
    # Every 90 minutes: found within the 2-hour window only once, then within 2 days.
    assert cron.latest("0,30 */3 * * *", "UTC", utc(2026, 1, 1, 6, 10), 3) == [
        utc(2026, 1, 1, 3),
        utc(2026, 1, 1, 3, 30),
        utc(2026, 1, 1, 6),
    ]
    # A rule is followed back too: the skipped missing time is not listed.
    skip = cron.DstRule(gap="skip")
    assert cron.latest("30 2 * * *", "Europe/Paris", utc(2026, 3, 29, 12), 1, rule=skip) == [
        utc(2026, 3, 28, 1, 30)
    ]
    assert cron.latest("30 2 * * *", "Europe/Paris", utc(2026, 3, 29, 12), 1) == [
        utc(2026, 3, 29, 1)
    ]


# ------------------------------------------------------------ what is refused, and how


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (None, "must be an IANA time zone name such as Europe/Paris"),
        ("", "must be an IANA time zone name such as Europe/Paris"),
        ("Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("A" * 64, f"unknown time zone '{'A' * 64}'"),  # 64 characters: looked up
        ("A" * 65, "must be at most 64 characters"),
    ],
)
def test_time_zone_refusals_say_why(name: object, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        cron.parse_timezone(name)  # type: ignore[arg-type]
    assert str(refused.value) == message


def test_a_time_zone_is_the_named_one() -> None:
    assert cron.parse_timezone("Asia/Kolkata").key == "Asia/Kolkata"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (5, "must be a cron expression string"),
        ("0 0 * *" + " " * 192 + "*", None),  # 200 characters: accepted
        ("0 0 * *" + " " * 193 + "*", "must be at most 200 characters"),
        ("* * * *", "must have 5 fields (min hour day month weekday) or 6 with leading seconds"),
        ("0 0 31 2 *", "cron expression '0 0 31 2 *' never fires"),
        ("x 0 * * * *", "invalid second field 'x'"),
        ("0 x * * * *", "invalid minute field 'x'"),
        ("0 0 * * x", "invalid day-of-week field 'x'"),
        ("0 0 * 13 *", "invalid month field '13'"),
        (
            "0 0 * * 5#9",
            "invalid day-of-week field '5#9'; Quartz tokens are day-of-month L, LW or 1W-31W"
            " alone, and day-of-week 0-7 with #1-#5 or L (5#2, 5L)",
        ),
        ("0 0 * * 9", "invalid day-of-week field '9'"),  # no Quartz token: no hint
        ("0 0 0 * * 8", "invalid day-of-week field '8'"),  # 6 fields: seconds first
        (
            "0 L * * *",
            "invalid hour field 'L'; Quartz tokens are day-of-month L, LW or 1W-31W alone,"
            " and day-of-week 0-7 with #1-#5 or L (5#2, 5L)",
        ),
    ],
)
def test_schedule_refusals_say_why(expression: object, message: str | None) -> None:
    if message is None:
        assert cron.validate_schedule(expression) == "0 0 * * *"  # type: ignore[arg-type]
        return
    with pytest.raises(ValueError) as refused:
        cron.validate_schedule(expression)  # type: ignore[arg-type]
    assert str(refused.value) == message


def test_a_schedule_is_stored_with_single_spaces() -> None:
    assert cron.validate_schedule("  0   6 * *\t1-5 ") == "0 6 * * 1-5"
    assert cron.validate_schedule("0 0 6 * * *") == "0 0 6 * * *"


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        # Paris falls back at 01:00 UTC on 25 Oct 2026 (03:00 CEST -> 02:00 CET). Asked
        # at 02:40 CEST (00:40 UTC), every 20 minutes of real time: 02:00 CET (01:00
        # UTC) comes next, though its wall time is before the one asked at.
        (
            "Europe/Paris",
            utc(2026, 10, 25, 0, 40),
            [utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 20)],
        ),
        (
            "Europe/Paris",
            utc(2026, 10, 25, 0, 50),
            [utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 20)],
        ),
        (
            "Europe/Paris",
            utc(2026, 10, 25, 1, 10),
            [utc(2026, 10, 25, 1, 20), utc(2026, 10, 25, 1, 40)],
        ),
        # New York, west of UTC, falls back at 06:00 UTC on 1 November (02:00 EDT ->
        # 01:00 EST): asked at 01:40 EDT, 01:00 EST comes next.
        (
            "America/New_York",
            utc(2026, 11, 1, 5, 40),
            [utc(2026, 11, 1, 6), utc(2026, 11, 1, 6, 20)],
        ),
    ],
)
def test_asked_just_before_a_fall_back_the_repeated_hour_still_runs(zone, after, expected) -> None:
    assert cron.next_runs("*/20 * * * *", zone, after, 2) == expected


def test_one_run_at_a_time_across_a_fall_back_misses_no_real_20_minutes() -> None:
    # What the tick does: each next run asked from the one before.
    t, seen = utc(2026, 10, 24, 23, 40), []
    while t < utc(2026, 10, 25, 2):
        t = cron.next_run("*/20 * * * *", "Europe/Paris", t)
        seen.append(t)
    assert seen == [utc(2026, 10, 25, h, m) for h in range(3) for m in (0, 20, 40)][:7]


def test_occurrences_missed_too_many_end_with_the_latest_under_the_jobs_rule() -> None:
    # 02:30 Paris daily from 26 March, seen at noon on 29 March with room for two: the
    # first, then the latest. With dst_gap=skip the missing 02:30 of the 29th is not one.
    first, now = utc(2026, 3, 26, 1, 30), utc(2026, 3, 29, 12)
    skip = cron.DstRule(gap="skip")
    assert cron.occurrences_until("30 2 * * *", "Europe/Paris", first, now, 2, skip) == (
        [first, utc(2026, 3, 28, 1, 30)],
        True,
    )
    assert cron.occurrences_until("30 2 * * *", "Europe/Paris", first, now, 2) == (
        [first, utc(2026, 3, 29, 1)],
        True,
    )
