"""What is due, as a table: a due job's values and now -> the runs it gets and its advance.

No database: that the tick writes these rows is tests/integration/test_scheduling.py.
"""

from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain import due
from jobsched.domain.due import Run

T0 = datetime(2026, 1, 1, tzinfo=UTC)
EVERY_5S = "*/5 * * * * *"
UNFINISHED = "overlap_policy=skip: the previous run was still unfinished"
LATER_RAN = "overlap_policy=skip: a later occurrence due at the same time ran instead"


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
    ("missed", "limit", "expected_runs"),
    [
        (3, 100, 3),  # a short outage: all run
        (100, 100, 100),  # exactly the limit: all run
        (101, 100, 2),  # one more: the first is recorded SKIPPED, the latest runs
        (721, 100, 2),  # an hour of a 5-second job
        (4, 3, 2),
    ],
)
def test_a_long_outage_is_coalesced_into_the_latest_occurrence(
    missed: int, limit: int, expected_runs: int
) -> None:
    now = s(5 * (missed - 1) + 2)
    runs = plan(now, limit=limit).runs
    assert len(runs) == expected_runs
    if expected_runs == missed:
        assert all(r.skip_reason is None for r in runs)
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
    # with a limit of 3, the first (05:00 UTC) is coalesced into the latest (04:00 UTC).
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


@pytest.mark.parametrize(
    ("policy", "busy", "index", "count", "reason"),
    [
        ("allow", False, 0, 1, None),
        ("allow", True, 0, 1, None),
        ("allow", False, 0, 3, None),
        ("skip", False, 0, 1, None),
        ("skip", True, 0, 1, UNFINISHED),
        ("skip", False, 0, 3, LATER_RAN),
        ("skip", False, 2, 3, None),
        ("skip", True, 2, 3, UNFINISHED),
    ],
)
def test_overlap_policy(
    policy: str, busy: bool, index: int, count: int, reason: str | None
) -> None:
    assert due.overlap_skip(policy, busy, index, count) == reason


@pytest.mark.parametrize(
    ("schedule", "zone"), [("61 * * * *", "UTC"), (EVERY_5S, "Mars/Olympus_Mons")]
)
def test_a_schedule_that_no_longer_computes_raises_for_the_tick_to_flag(
    schedule: str, zone: str
) -> None:
    with pytest.raises(Exception):  # noqa: B017 - whatever croniter or zoneinfo raise
        plan(s(0), schedule=schedule, timezone=zone)
