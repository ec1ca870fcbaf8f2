"""A job's life cycle as a table: its next run after an edit, what pausing and resuming
write, and what a paused job refuses (jobsched/domain/lifecycle.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobsched.domain import lifecycle

NOW = datetime(2026, 3, 2, 12, 0, 30, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=3)
LATER = NOW + timedelta(days=1)
AT_FIVE = datetime(2026, 3, 2, 12, 5, tzinfo=UTC)


def job(**over: Any) -> dict[str, Any]:
    base = {
        "schedule": "*/5 * * * *",
        "timezone": "UTC",
        "run_at": None,
        "dst_gap": "shift",
        "dst_overlap": "first",
        "status": "SCHEDULED",
        "next_run_time": EARLIER,
        "schedule_error": None,
        "paused_at": None,
        "last_run_time": None,
        "calendar": None,
        "non_business_day": "skip",
        "business_day_rule": None,
        "windows": None,
        "blackouts": None,
        "outside_window": "defer",
        "start_at": None,
        "end_at": None,
        "max_runs": None,
    }
    return {**base, **over}


@pytest.mark.parametrize(
    ("current", "edit", "expected"),
    [
        # an edit that leaves the timing alone keeps the next run (even one past)
        (job(), {}, EARLIER),
        # a new schedule, time zone or DST rule: computed afresh from now
        (job(), {"schedule": "*/10 * * * *"}, datetime(2026, 3, 2, 12, 10, tzinfo=UTC)),
        (job(), {"timezone": "Europe/Paris"}, AT_FIVE),
        (job(), {"dst_gap": "skip"}, AT_FIVE),
        # a schedule given to a job that had no next run
        (job(next_run_time=None), {}, AT_FIVE),
        # neither schedule nor run_at: it only runs when triggered
        (job(), {"schedule": None}, None),
        # a one-off job's new run_at, even past: it then runs at once
        (job(schedule=None, run_at=LATER), {"run_at": EARLIER}, EARLIER),
        # a paused job gets no next run (resuming computes it)
        (job(status="PAUSED", next_run_time=None), {"schedule": "*/10 * * * *"}, None),
    ],
)
def test_next_run_on_edit(current: dict[str, Any], edit: dict[str, Any], expected: Any) -> None:
    data = {k: current[k] for k in lifecycle.TIMING} | edit
    assert lifecycle.next_run_on_edit(current, data, NOW) == expected


@pytest.mark.parametrize(
    ("current", "status", "expected"),
    [
        # pausing: no next run, the pause noted, an old flag kept
        (
            job(schedule_error="boom"),
            "PAUSED",
            lifecycle.StatusChange(None, "boom", NOW, None),
        ),
        # resuming picks up from the pause (the tick plans what was missed)
        (
            job(status="PAUSED", paused_at=EARLIER, schedule_error="stale"),
            "SCHEDULED",
            lifecycle.StatusChange(datetime(2026, 3, 2, 9, 5, tzinfo=UTC), None, EARLIER, NOW),
        ),
        # a pause noted in the future (a clock moved back) counts from now
        (
            job(status="PAUSED", paused_at=LATER),
            "SCHEDULED",
            lifecycle.StatusChange(AT_FIVE, None, LATER, NOW),
        ),
        # a one-off job that already ran gets no next run
        (
            job(schedule=None, run_at=EARLIER, last_run_time=EARLIER, paused_at=EARLIER),
            "SCHEDULED",
            lifecycle.StatusChange(None, None, EARLIER, NOW),
        ),
        # a one-off job that has not run: its run_at
        (
            job(schedule=None, run_at=LATER, paused_at=EARLIER),
            "SCHEDULED",
            lifecycle.StatusChange(LATER, None, EARLIER, NOW),
        ),
        # a stored schedule that no longer computes: flagged, retried later
        (
            job(timezone="Nowhere/Atlantis", paused_at=EARLIER),
            "SCHEDULED",
            lifecycle.StatusChange(NOW + lifecycle.SCHEDULE_ERROR_RETRY, "ERROR", EARLIER, NOW),
        ),
    ],
)
def test_status_change(
    current: dict[str, Any], status: str, expected: lifecycle.StatusChange
) -> None:
    assert lifecycle.status_change(current, status, NOW, lambda exc: "ERROR") == expected


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("PAUSED", "trigger", "job is paused; resume it before triggering"),
        ("PAUSED", "backfill", "job is paused; resume it before backfilling"),
        ("SCHEDULED", "trigger", None),
        ("SCHEDULED", "backfill", None),
    ],
)
def test_what_a_paused_job_refuses(status: str, action: str, expected: str | None) -> None:
    assert lifecycle.refusal(status, action) == expected


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (job(), AT_FIVE),
        (job(schedule=None, run_at=EARLIER), EARLIER),  # past: runs at once
        (job(schedule=None), None),  # only when triggered
    ],
)
def test_first_run(stored: dict[str, Any], expected: Any) -> None:
    assert lifecycle.first_run(stored, NOW) == expected
