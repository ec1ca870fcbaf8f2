"""The occurrence ledger as a table: expected times and recorded rows -> one entry each."""

from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain import ledger
from jobsched.domain.ledger import ExecutionRow

T0 = datetime(2026, 3, 8, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def row(minutes: int, status: str = "SUCCEEDED", source: str = "schedule", **kw) -> ExecutionRow:
    when = T0 + timedelta(minutes=minutes)
    values = {"error": None, "created_at": when, **kw}
    return ExecutionRow(
        f"e{minutes}{source}", when, source, status, values["error"], values["created_at"]
    )


@pytest.mark.parametrize(
    ("rows", "dst", "outcome", "reason"),
    [
        ([row(0)], [], "ran", None),
        # Written more than a minute after its time: run after downtime or a pause.
        ([row(0, created_at=T0 + timedelta(minutes=30))], [], "caught_up", None),
        (
            [row(0, "SKIPPED", error="missed while the job was paused: catch_up=none")],
            [],
            "skipped",
            "missed while the job was paused: catch_up=none",
        ),
        # Skipped on schedule, then backfilled: the backfill is what happened.
        ([row(0, "SKIPPED", error="x"), row(0, source="backfill")], [], "backfilled", "x"),
        ([], [T0], "skipped", ledger.DST_SKIPPED),
        ([], [], "missed", ledger.NOT_RECORDED),
    ],
)
def test_what_became_of_an_occurrence(
    rows: list[ExecutionRow], dst: list[datetime], outcome: str, reason: str | None
) -> None:
    (entry,) = ledger.entries([T0] if not dst else [], dst, rows, T0 + timedelta(hours=2), NOW)
    assert (entry["outcome"], entry["reason"]) == (outcome, reason)


def test_entries_are_in_order_and_the_future_is_upcoming() -> None:
    times = [T0 + timedelta(minutes=m) for m in (0, 30, 90)]
    entries = ledger.entries(times, [], [row(0)], T0 + timedelta(minutes=90), NOW)
    assert [e["outcome"] for e in entries] == ["ran", "missed", "upcoming"]
    assert entries[0]["execution_id"] == "e0schedule"


def test_an_entry_carries_the_run_it_names() -> None:
    (entry,) = ledger.entries([T0], [], [row(0)], T0 + timedelta(hours=2), NOW)
    assert entry == {
        "scheduled_for": T0.isoformat(),
        "outcome": "ran",
        "execution_id": "e0schedule",
        "status": "SUCCEEDED",
        "reason": None,
    }
    skipped = row(0, "SKIPPED", error="why")
    (entry,) = ledger.entries([T0], [], [skipped], T0 + timedelta(hours=2), NOW)
    assert (entry["execution_id"], entry["status"]) == ("e0schedule", "SKIPPED")
    # A backfill with no scheduled row of its own: the backfill's run, no reason.
    (entry,) = ledger.entries([T0], [], [row(0, source="backfill")], None, NOW)
    assert (entry["outcome"], entry["execution_id"], entry["reason"]) == (
        "backfilled",
        "e0backfill",
        None,
    )


@pytest.mark.parametrize(("late_s", "outcome"), [(60, "ran"), (61, "caught_up")])
def test_a_run_written_more_than_a_minute_late_was_caught_up(late_s: int, outcome: str) -> None:
    late = row(0, created_at=T0 + timedelta(seconds=late_s))
    (entry,) = ledger.entries([T0], [], [late], None, NOW)
    assert entry["outcome"] == outcome


@pytest.mark.parametrize(
    ("minutes", "next_run", "outcome"),
    [
        # Not yet reached by the scheduler (its next_run_time is at or before it):
        # upcoming, even in the past.
        (45, 30, "upcoming"),
        (30, 30, "upcoming"),
        (20, 30, "missed"),
        # Now itself, the schedule already past it: missed.
        (60, 70, "missed"),
        (61, 70, "upcoming"),
    ],
)
def test_what_is_upcoming(minutes: int, next_run: int, outcome: str) -> None:
    when = T0 + timedelta(minutes=minutes)
    (entry,) = ledger.entries([when], [], [], T0 + timedelta(minutes=next_run), NOW)
    assert entry["outcome"] == outcome


def job(schedule: str | None = "0 * * * *", **fields) -> dict:
    values = {"timezone": "UTC", "created_at": T0 - timedelta(days=1), "run_at": None}
    return {"schedule": schedule, **values, **fields}


H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("stored", "since", "until", "limit", "expected"),
    [
        # The window is half-open: an occurrence at `until` is the next window's.
        (job(), T0, T0 + 3 * H, 100, ([T0, T0 + H, T0 + 2 * H], [], False)),
        (job(), T0 + timedelta(minutes=1), T0 + 3 * H, 100, ([T0 + H, T0 + 2 * H], [], False)),
        # Nothing is expected before the job existed.
        (
            job(created_at=T0 + 90 * timedelta(minutes=1)),
            T0,
            T0 + 3 * H,
            100,
            ([T0 + 2 * H], [], False),
        ),
        (job(created_at=T0 + 5 * H), T0, T0 + 3 * H, 100, ([], [], False)),
        # A schedule that no longer computes expects nothing (its error says why).
        (job("not a schedule"), T0, T0 + 3 * H, 100, ([], [], False)),
        # A one-off job expects its run_at, if it is in the window.
        (job(None, run_at=T0 + H), T0, T0 + 3 * H, 100, ([T0 + H], [], False)),
        (job(None, run_at=T0 + 3 * H), T0, T0 + 3 * H, 100, ([], [], False)),
        (job(None, run_at=T0), T0, T0 + 3 * H, 100, ([T0], [], False)),
        (job(None, run_at=T0 - H), T0, T0 + 3 * H, 100, ([], [], False)),
        (job(None), T0, T0 + 3 * H, 100, ([], [], False)),
    ],
)
def test_the_occurrences_a_job_expects(stored, since, until, limit, expected) -> None:
    assert ledger.expected(stored, since, until, limit) == expected


def test_the_expected_occurrences_stop_at_the_limit_and_say_there_were_more() -> None:
    times, dropped, more = ledger.expected(job(), T0, T0 + 5 * H, 2)
    assert (len(times), dropped, more) == (2, [], True)
    assert set(times) <= {T0 + n * H for n in range(5)}
    assert ledger.expected(job(), T0, T0 + 2 * H, 2) == ([T0, T0 + H], [], False)


def test_a_local_time_the_dst_change_skips_is_listed_as_dropped_under_dst_gap_skip() -> None:
    # Paris skips 02:00-03:00 on 2026-03-29: 02:30 does not exist that night.
    paris = job("30 2 * * *", timezone="Europe/Paris", dst_gap="skip")
    since, until = datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    times, dropped, more = ledger.expected(paris, since, until, 100)
    assert times == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),
    ]
    assert [d.date().isoformat() for d in dropped] == ["2026-03-29"] and not more
    # The dropped times are looked for among as many occurrences as the limit allows.
    first, dropped, more = ledger.expected(paris, since, until, 1)
    assert (len(first), more) == (1, True) and len(dropped) <= 1
    shifted = ledger.expected({**paris, "dst_gap": "shift"}, since, until, 100)
    assert len(shifted[0]) == 3 and shifted[1] == []
