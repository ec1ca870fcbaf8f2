"""Decisions the store used to take, now the domain's, as tables: the order alerts are
delivered in (jobsched/domain/alerts.py) and the breaches of the last hour from
per-minute rollups (jobsched/domain/rollups.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobsched.domain import alerts, rollups

T = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rows", "order"),
    [
        # oldest first
        ([(T, "late_start"), (T - timedelta(seconds=1), "overran")], ["overran", "late_start"]),
        # at one instant the dead-letter entry comes last, whatever the order read
        ([(T, "dead_letter"), (T, "attempt_failed")], ["attempt_failed", "dead_letter"]),
        ([(T, "attempt_failed"), (T, "dead_letter")], ["attempt_failed", "dead_letter"]),
        # an older dead-letter entry still goes first
        (
            [(T, "late_start"), (T - timedelta(seconds=1), "dead_letter")],
            ["dead_letter", "late_start"],
        ),
    ],
)
def test_delivery_order(rows: list[tuple[datetime, str]], order: list[str]) -> None:
    given = [{"created_at": at, "kind": kind} for at, kind in rows]
    assert [r["kind"] for r in alerts.delivery_order(given)] == order


NOW = datetime(2026, 3, 2, 12, 30, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], {"late_start": 0, "overran": 0}),
        # whole minutes inside the hour count whole
        (
            [(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), "late_start", 3)],
            {"late_start": 3, "overran": 0},
        ),
        # the oldest minute (partly before the hour) counts pro rata: half of it here
        (
            [(datetime(2026, 3, 2, 11, 30, tzinfo=UTC), "overran", 10)],
            {"late_start": 0, "overran": 5},
        ),
        # kinds that are no breach are left out
        (
            [(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), "dead_letter", 4)],
            {"late_start": 0, "overran": 0},
        ),
    ],
)
def test_breaches_last_hour(
    rows: list[tuple[datetime, str, int]], expected: dict[str, Any]
) -> None:
    given = [{"minute": m, "kind": k, "n": n} for m, k, n in rows]
    assert rollups.breaches_last_hour(given, NOW, alerts.BREACHES) == expected
    assert rollups.breaches_since(NOW) == datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
