"""The occurrence ledger as a table: expected times and recorded rows -> one entry each."""

from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain import ledger
from jobsched.domain.ledger import Recorded

T0 = datetime(2026, 3, 8, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def row(minutes: int, status: str = "SUCCEEDED", source: str = "schedule", **kw) -> Recorded:
    when = T0 + timedelta(minutes=minutes)
    values = {"error": None, "created_at": when, **kw}
    return Recorded(
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
    rows: list[Recorded], dst: list[datetime], outcome: str, reason: str | None
) -> None:
    (entry,) = ledger.entries([T0] if not dst else [], dst, rows, T0 + timedelta(hours=2), NOW)
    assert (entry["outcome"], entry["reason"]) == (outcome, reason)


def test_entries_are_in_order_and_the_future_is_upcoming() -> None:
    times = [T0 + timedelta(minutes=m) for m in (0, 30, 90)]
    entries = ledger.entries(times, [], [row(0)], T0 + timedelta(minutes=90), NOW)
    assert [e["outcome"] for e in entries] == ["ran", "missed", "upcoming"]
    assert entries[0]["execution_id"] == "e0schedule"
