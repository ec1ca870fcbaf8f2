"""What is due, as a table: a due job's values and now -> the runs it gets and its advance.

No database: that the tick writes these rows is tests/integration/test_scheduling.py.
"""

from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain import cron, due, job_calendar
from jobsched.domain.due import Run

T0 = datetime(2026, 1, 1, tzinfo=UTC)
EVERY_5S = "*/5 * * * * *"
UNFINISHED = "overlap_policy=skip: " + due.UNFINISHED
LATER_RAN = "overlap_policy=skip: " + due.LATER_RAN


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def plan(now: datetime, policy: str = "allow", busy: bool = False, **kw: object) -> due.Plan:
    values = {
        "schedule": EVERY_5S,
        "timezone": "UTC",
        "next_run_time": T0,
        "last_run_time": None,
        "overlap_policy": policy,
        "busy": busy,
        "now": now,
        **kw,
    }
    return due.plan(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "policy", "busy", "runs"),
    [
        # On time: the one occurrence runs.
        (s(0), "allow", False, [Run(s(0))]),
        # A short outage: every missed occurrence runs.
        (s(12), "allow", False, [Run(s(0)), Run(s(5)), Run(s(10))]),
        # ...under skip only the latest runs; the earlier ones say why not.
        (s(12), "skip", False, [Run(s(0), LATER_RAN), Run(s(5), LATER_RAN), Run(s(10))]),
        # A previous run still unfinished: under allow it runs alongside...
        (s(0), "allow", True, [Run(s(0))]),
        # ...under skip it is recorded SKIPPED.
        (s(0), "skip", True, [Run(s(0), UNFINISHED)]),
        (s(5), "skip", True, [Run(s(0), UNFINISHED), Run(s(5), UNFINISHED)]),
        # Not due yet (a second tick that lost the race): nothing.
        (s(-1), "allow", False, []),
    ],
)
def test_the_runs_a_due_job_gets(now: datetime, policy: str, busy: bool, runs: list[Run]) -> None:
    assert plan(now, policy, busy).runs == runs


@pytest.mark.parametrize(
    ("now", "next_run_time", "last_run_time"),
    [
        (s(0), s(5), s(0)),
        (s(12), s(15), s(10)),
        (s(3600 + 2), s(3605), s(3600)),  # after a long outage: from now, not from the backlog
        (s(-1), s(0), None),  # nothing ran: last_run_time is kept
    ],
)
def test_the_job_advances_past_now(
    now: datetime, next_run_time: datetime, last_run_time: datetime | None
) -> None:
    result = plan(now)
    assert (result.next_run_time, result.last_run_time) == (next_run_time, last_run_time)


@pytest.mark.parametrize(
    ("missed", "limit", "expected_rows"),
    [
        (3, 100, 3),  # a short delay (all within GRACE): all run
        (100, 100, 100),  # exactly the limit: a row each
        (101, 100, 2),  # one more: the first is recorded SKIPPED, the latest runs
        (721, 100, 2),  # an hour of a 5-second job
        (4, 3, 2),
    ],
)
def test_a_long_outage_is_coalesced_into_the_latest_occurrence(
    missed: int, limit: int, expected_rows: int
) -> None:
    now = s(5 * (missed - 1) + 2)
    runs = plan(now, limit=limit).runs
    assert len(runs) == expected_rows
    if expected_rows == missed:
        # Each occurrence has its row; only those within GRACE of now run (catch_up=latest).
        ran = [r.scheduled_for for r in runs if r.skip_reason is None]
        assert ran == [r.scheduled_for for r in runs if r.scheduled_for >= now - due.GRACE]
        return
    first, latest = runs
    assert first == Run(s(0), due.coalesced(s(0), s(5 * (missed - 1))))
    assert "coalesced" in first.skip_reason and T0.isoformat() in first.skip_reason
    assert latest == Run(s(5 * (missed - 1)))


def test_a_coalesced_outage_under_skip_still_skips_the_latest_while_busy() -> None:
    first, latest = plan(s(3600 + 2), "skip", True).runs
    assert "coalesced" in first.skip_reason
    assert latest == Run(s(3600), UNFINISHED)


def test_coalescing_follows_the_jobs_time_zone() -> None:
    # 06:00 Paris daily, missed for 5 days across the spring change (29 March 2026):
    # with a limit of 3, the first (05:00 UTC) is coalesced; the latest (04:00 UTC) runs.
    first = datetime(2026, 3, 27, 5, tzinfo=UTC)
    runs = plan(
        datetime(2026, 3, 31, 12, tzinfo=UTC),
        schedule="0 6 * * *",
        timezone="Europe/Paris",
        next_run_time=first,
        limit=3,
    ).runs
    assert [r.scheduled_for for r in runs] == [first, datetime(2026, 3, 31, 4, tzinfo=UTC)]
    assert runs[0].skip_reason and runs[1].skip_reason is None


# ----------------------------------------------------------------- catch-up

EVERY_10M = "*/10 * * * *"
NONE, LATEST = due.CatchUp("none"), due.CatchUp("latest")
ALL, ALL_2 = due.CatchUp("all"), due.CatchUp("all", max=2)
M = 60


@pytest.mark.parametrize(
    ("catch_up", "ran"),
    [
        # Down from T0 for 65 minutes: T0 .. T0+60m were all missed (none is on time, so
        # what runs is only what the mode catches up)...
        (NONE, []),
        # ...latest: the most recent one...
        (LATEST, [s(60 * M)]),
        # ...all: the missed ones within the hour's window (T0 itself is outside)...
        (ALL, [s(10 * M), s(20 * M), s(30 * M), s(40 * M), s(50 * M), s(60 * M)]),
        # ...at most max of them, the latest.
        (ALL_2, [s(50 * M), s(60 * M)]),
    ],
    ids=["none", "latest", "all", "all-max-2"],
)
def test_an_hour_of_downtime_under_each_catch_up_mode(
    catch_up: due.CatchUp, ran: list[datetime]
) -> None:
    result = plan(s(65 * M), schedule=EVERY_10M, catch_up=catch_up)
    assert [r.scheduled_for for r in result.runs] == [s(m * M) for m in range(0, 61, 10)]
    assert [r.scheduled_for for r in result.runs if r.skip_reason is None] == ran
    skipped = [r.skip_reason for r in result.runs if r.skip_reason]
    assert skipped == [due.missed_reason(T0, catch_up, None)] * len(skipped)
    assert skipped[0].startswith("missed while the scheduler was down")
    assert result.next_run_time == s(70 * M)


@pytest.mark.parametrize(
    ("catch_up", "runs"),
    [
        # A daily 02:00 job, the scheduler down 01:30-03:00: its one occurrence was missed.
        (NONE, False),
        (LATEST, True),
        (ALL, True),
    ],
    ids=["none", "latest", "all"],
)
def test_a_daily_occurrence_missed_by_an_hour(catch_up: due.CatchUp, runs: bool) -> None:
    two = datetime(2026, 1, 1, 2, tzinfo=UTC)
    (run,) = plan(
        two + timedelta(hours=1), schedule="0 2 * * *", next_run_time=two, catch_up=catch_up
    ).runs
    assert run.scheduled_for == two
    assert (run.skip_reason is None) == runs


def test_occurrences_missed_while_paused_say_so() -> None:
    pause = due.Pause(s(-1), s(30 * M))
    runs = plan(s(30 * M), schedule=EVERY_10M, catch_up=NONE, pause=pause).runs
    assert [r.skip_reason for r in runs] == [
        "missed while the job was paused: catch_up=none",
        "missed while the job was paused: catch_up=none",
        "missed while the job was paused: catch_up=none",
        None,  # 30m is now: on time
    ]


def test_catch_up_all_after_a_long_outage_stays_bounded() -> None:
    runs = plan(s(3600 + 2), catch_up=due.CatchUp("all", max=5)).runs
    assert "coalesced" in runs[0].skip_reason
    assert [r.scheduled_for for r in runs[1:] if r.skip_reason is None] == [
        s(3600 - 20),
        s(3600 - 15),
        s(3600 - 10),
        s(3600 - 5),
        s(3600),
    ]
    assert len(runs) == 6


# ------------------------------------------------------------------ overlap

CANCELLED_BY = "overlap_policy=cancel_previous: " + due.LATER_RAN
BUFFER_FULL = "overlap_policy=buffer_one: a run was already waiting for the previous one"


@pytest.mark.parametrize(
    ("policy", "busy", "waiting", "count", "runs", "cancel"),
    [
        ("allow", False, False, 1, [Run(s(0))], False),
        ("allow", True, False, 2, [Run(s(0)), Run(s(5))], False),
        ("skip", True, False, 1, [Run(s(0), UNFINISHED)], False),
        ("skip", False, False, 2, [Run(s(0), LATER_RAN), Run(s(5))], False),
        # buffer_one: one runs, one waits for it, the rest are dropped...
        (
            "buffer_one",
            False,
            False,
            3,
            [Run(s(0)), Run(s(5), wait=True), Run(s(10), BUFFER_FULL)],
            False,
        ),
        # ...a slow previous run: the new occurrence waits...
        ("buffer_one", True, False, 1, [Run(s(0), wait=True)], False),
        # ...unless one already does.
        ("buffer_one", True, True, 1, [Run(s(0), BUFFER_FULL)], False),
        # cancel_previous: the unfinished run is cancelled and the latest runs.
        ("cancel_previous", True, False, 1, [Run(s(0))], True),
        ("cancel_previous", False, False, 2, [Run(s(0), CANCELLED_BY), Run(s(5))], False),
    ],
)
def test_overlap_policies(
    policy: str, busy: bool, waiting: bool, count: int, runs: list[Run], cancel: bool
) -> None:
    times = [s(5 * i) for i in range(count)]
    assert due.overlap(policy, times, busy, waiting) == (runs, cancel)


def test_a_slow_run_under_cancel_previous_is_cancelled_by_the_next_occurrence() -> None:
    result = plan(s(5), "cancel_previous", True, next_run_time=s(5))
    assert result.runs == [Run(s(5))] and result.cancel_previous


# --------------------------------------------------------- one-off, staging


def test_a_one_off_job_runs_once_and_is_done() -> None:
    result = plan(s(1), schedule=None, next_run_time=s(0))
    assert result.runs == [Run(s(0))]
    assert result.next_run_time is None and result.last_run_time == s(0)
    assert plan(s(-1), schedule=None, next_run_time=s(0)).runs == []


def test_a_one_off_job_missed_by_far_follows_catch_up() -> None:
    (run,) = plan(s(3600), schedule=None, next_run_time=s(0), catch_up=NONE).runs
    assert run.skip_reason and "catch_up=none" in run.skip_reason


def test_runs_staged_ahead_of_time_are_not_missed() -> None:
    result = plan(s(0), horizon=s(9), catch_up=NONE)
    assert result.runs == [Run(s(0)), Run(s(5))]
    assert result.next_run_time == s(10)


def test_dst_rules_reach_the_plan() -> None:
    # 30 2 * * * in New York, on the spring-forward day (8 March 2026): skip drops it.
    at = datetime(2026, 3, 7, 7, 30, tzinfo=UTC)
    result = plan(
        at,
        schedule="30 2 * * *",
        timezone="America/New_York",
        next_run_time=at,
        dst=cron.DstRule(gap="skip"),
    )
    assert result.next_run_time == datetime(2026, 3, 9, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "zone"), [("61 * * * *", "UTC"), (EVERY_5S, "Mars/Olympus_Mons")]
)
def test_a_schedule_that_no_longer_computes_raises_for_the_tick_to_flag(
    schedule: str, zone: str
) -> None:
    with pytest.raises(Exception):  # noqa: B017 - whatever croniter or zoneinfo raise
        plan(s(0), schedule=schedule, timezone=zone)


# ------------------------------------------- edges (each kills a surviving mutant)


@pytest.mark.parametrize(
    ("late_s", "runs"),
    # README: missed = "found more than a minute late". Under catch_up=none a missed
    # occurrence is SKIPPED, so the 1-minute grace is what a user sees.
    [(59, True), (60, True), (61, False)],
)
def test_an_occurrence_found_more_than_a_minute_late_was_missed(late_s: int, runs: bool) -> None:
    (run,) = plan(s(late_s), schedule="0 0 * * *", catch_up=NONE).runs
    assert (run.skip_reason is None) is runs
    if not runs:
        assert run.skip_reason == "missed while the scheduler was down: catch_up=none"


def test_the_missed_reason_names_each_catch_up_rule() -> None:
    down = "missed while the scheduler was down: "
    assert due.missed_reason(T0, NONE, None) == down + "catch_up=none"
    assert due.missed_reason(T0, LATEST, None) == (
        down + "catch_up=latest ran a later occurrence instead"
    )
    assert due.missed_reason(T0, ALL_2, None) == down + "catch_up=all runs at most 2 within 1:00:00"


def test_a_pause_covers_its_first_instant_not_its_last() -> None:
    pause = due.Pause(s(0), s(10))
    assert due.missed_reason(s(0), NONE, pause).startswith("missed while the job was paused")
    assert due.missed_reason(s(10), NONE, pause).startswith("missed while the scheduler was")
    # An occurrence at the very instant of the pause was missed because of it.
    (run, *_) = plan(s(10), catch_up=NONE, pause=due.Pause(s(0), s(5))).runs
    assert run == Run(s(0), "missed while the job was paused: catch_up=none")


def test_the_coalesced_reason_says_which_range() -> None:
    assert due.coalesced(s(0), s(5)) == (
        "missed while the scheduler was down: occurrences from 2026-01-01T00:00:00+00:00 "
        "until 2026-01-01T00:00:05+00:00 were coalesced; the job's catch_up decided "
        "which of the latest ran"
    )


def test_buffer_one_without_waiting_holds_the_next_run() -> None:
    assert plan(s(0), "buffer_one", busy=True).runs == [Run(s(0), wait=True)]
    assert plan(s(0), "buffer_one", busy=True, waiting=True).runs == [Run(s(0), BUFFER_FULL)]


def test_a_one_off_job_due_exactly_now_runs_and_one_not_due_keeps_its_time() -> None:
    assert plan(s(0), schedule=None, next_run_time=s(0)).runs == [Run(s(0))]
    waiting = plan(s(-1), schedule=None, next_run_time=s(0), last_run_time=s(-9))
    assert (waiting.next_run_time, waiting.last_run_time) == (s(0), s(-9))


def test_an_unknown_overlap_policy_is_named() -> None:
    with pytest.raises(ValueError, match="unknown overlap_policy 'sometimes'"):
        due.overlap("sometimes", [s(0)], False, False)


NEW_YORK_0230 = "30 2 * * *"
MARCH_6 = datetime(2026, 3, 6, 7, 30, tzinfo=UTC)  # 02:30 EST; 8 March has no 02:30
MARCH_7, MARCH_9 = MARCH_6 + timedelta(days=1), datetime(2026, 3, 9, 6, 30, tzinfo=UTC)
SHIFTED = datetime(2026, 3, 8, 7, tzinfo=UTC)  # 03:00 EDT, the end of the gap


@pytest.mark.parametrize(
    ("gap", "times"),
    [("shift", [MARCH_6, MARCH_7, SHIFTED, MARCH_9]), ("skip", [MARCH_6, MARCH_7, MARCH_9])],
)
def test_the_jobs_dst_rule_decides_the_occurrences_of_an_outage(
    gap: str, times: list[datetime]
) -> None:
    values = {"schedule": NEW_YORK_0230, "timezone": "America/New_York", "next_run_time": MARCH_6}
    now = datetime(2026, 3, 9, 8, tzinfo=UTC)
    dst = cron.DstRule(gap=gap)
    assert [r.scheduled_for for r in plan(now, dst=dst, **values).runs] == times
    # Past the limit the first is coalesced and catch_up=all picks the latest by the
    # same rule.
    catch_up = due.CatchUp("all", window=timedelta(days=4))
    coalesced = plan(now, dst=dst, limit=2, catch_up=catch_up, **values).runs
    assert [r.scheduled_for for r in coalesced] == [MARCH_6, *times[1:]]
    assert "coalesced" in coalesced[0].skip_reason
    assert all(r.skip_reason is None for r in coalesced[1:])


def test_catch_up_all_after_a_coalesced_outage_never_reruns_the_first() -> None:
    # 5 occurrences, limit 3: s(0) is recorded coalesced, the window reaches back past it.
    runs = plan(s(22), limit=3, catch_up=ALL).runs
    assert [r.scheduled_for for r in runs] == [s(0), s(5), s(10), s(15), s(20)]
    assert [r.skip_reason is None for r in runs] == [False, True, True, True, True]


def test_a_hundred_missed_occurrences_get_a_row_each_and_more_are_coalesced() -> None:
    # README: "more than 100 missed": one SKIPPED row names the range (default limit).
    assert len(plan(s(5 * 99 + 2)).runs) == 100
    first, latest = plan(s(5 * 100 + 2)).runs
    assert "coalesced" in first.skip_reason and latest == Run(s(500))


def test_a_job_without_catch_up_runs_the_latest_missed_occurrence() -> None:
    values = {"schedule": EVERY_10M, "timezone": "UTC", "next_run_time": T0}
    result = due.plan(
        **values, last_run_time=None, overlap_policy="allow", busy=False, now=s(65 * M)
    )
    assert [r.scheduled_for for r in result.runs if r.skip_reason is None] == [s(60 * M)]


def _occurrence(at: datetime, starts: datetime | None, outcome: str) -> job_calendar.JobOccurrence:
    return job_calendar.JobOccurrence(at, at, starts, outcome)


@pytest.mark.parametrize(
    ("overlap_policy", "busy", "runs"),
    [
        # A deferred occurrence keeps its opening as start_after; one the rules skip
        # (no start) is written nowhere; the one that runs at its time waits for nothing.
        (
            "allow",
            False,
            [
                Run(
                    datetime(2026, 12, 21, 17, 29, 50, tzinfo=UTC),
                    start_after=datetime(2026, 12, 22, 9, tzinfo=UTC),
                ),
                Run(datetime(2026, 12, 21, 17, 30, tzinfo=UTC)),
            ],
        ),
        # Skipped by the overlap policy: recorded SKIPPED, with no opening to wait for.
        (
            "skip",
            True,
            [
                Run(
                    datetime(2026, 12, 21, 17, 29, 50, tzinfo=UTC),
                    "overlap_policy=skip: " + due.UNFINISHED,
                ),
                Run(
                    datetime(2026, 12, 21, 17, 30, tzinfo=UTC),
                    "overlap_policy=skip: " + due.UNFINISHED,
                ),
            ],
        ),
    ],
)
def test_a_calendar_jobs_plan_runs_the_occurrences_that_start(
    overlap_policy: str, busy: bool, runs: list[Run]
) -> None:
    now = datetime(2026, 12, 21, 17, 30, tzinfo=UTC)
    deferred = _occurrence(
        datetime(2026, 12, 21, 17, 29, 50, tzinfo=UTC),
        datetime(2026, 12, 22, 9, tzinfo=UTC),
        "deferred",
    )
    on_time = _occurrence(now, now, "run")
    closed = _occurrence(datetime(2026, 12, 21, 17, 29, 55, tzinfo=UTC), None, "skipped")
    upcoming = datetime(2026, 12, 22, 10, tzinfo=UTC)
    calendar_due = job_calendar.Due([deferred, closed, on_time], upcoming)
    plan = due.plan(
        schedule="* * * * *",
        timezone="UTC",
        next_run_time=deferred.at,
        last_run_time=None,
        overlap_policy=overlap_policy,
        busy=busy,
        now=now,
        calendar_due=calendar_due,
    )
    assert plan.runs == runs
    assert (plan.next_run_time, plan.last_run_time) == (upcoming, now)
