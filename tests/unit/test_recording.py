"""The rows of record_executions as the worker encodes them: every time as ISO text with its
own offset, ids as text, results as handlers returned them (cleaned)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from jobsched.domain import recording
from jobsched.domain.recording import Held
from jobsched.domain.retry import RetryPolicy
from jobsched.domain.states import AttemptOutcome
from jobsched.store import recording as store_recording

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))


def claimed_row(**overrides: Any) -> dict[str, Any]:
    row = {
        "id": str(uuid.uuid4()),
        "job_id": str(uuid.uuid4()),
        "name": "job",
        "status": "QUEUED",
        "scheduled_for": T0,
        "start_after": None,
        "attempt": 0,
        "attempt_base": 0,
        "attempts": [],
        "lease_token": None,
        "queued_at": T0 + timedelta(seconds=1),
        "error": None,
        "next_attempt_at": None,
        "max_retries": 3,
        "retry_backoff_ms": 1000,
        "retry_backoff_max_ms": 60_000,
        "max_start_delay_ms": None,
        "max_duration_ms": None,
        "notify_url": None,
    }
    return {**row, **overrides}


def rows_of(writes: list[recording.Write], now: datetime) -> list[dict[str, Any]]:
    params = store_recording.params(writes, now)
    return json.loads(json.dumps(params["rows"].obj))


def test_an_ended_run_is_one_row_of_iso_times_and_text_ids() -> None:
    started = T0 + timedelta(seconds=2)
    now = T0 + timedelta(seconds=3)
    held = Held(claimed_row(), "tok", "w1", started)
    write = recording.end(held, AttemptOutcome.SUCCEEDED, now, None, result={"ok": 1})
    (row,) = rows_of([write], now)
    assert row == {
        "id": held.id,
        "scheduled_for": T0.isoformat(),
        "expect_attempt": 0,
        "expect_token": None,
        "status": "SUCCEEDED",
        "attempt": 1,
        "attempt_base": 0,
        "worker_id": "w1",
        "token": None,
        "queued_at": (T0 + timedelta(seconds=1)).isoformat(),
        "started_at": started.isoformat(),
        "finished_at": now.isoformat(),
        "result": {"ok": 1},
        "error": None,
        "next_attempt_at": None,
        "attempts": [
            {
                "number": 1,
                "worker_id": "w1",
                "started_at": started.isoformat(),
                "finished_at": now.isoformat(),
                "outcome": "SUCCEEDED",
                "error": None,
            }
        ],
        "alerts": [],
    }


def test_times_keep_their_own_offsets_and_equal_instants_their_own_text() -> None:
    now = T0 + timedelta(seconds=5)
    same_instant_in_paris = now.astimezone(PARIS)
    a = Held(claimed_row(queued_at=same_instant_in_paris), "a", "w1", now)
    b = Held(claimed_row(id=uuid.uuid4(), job_id=uuid.uuid4()), "b", "w1", now)
    writes = [recording.begin(a, now), recording.begin(b, now)]
    ra, rb = rows_of(writes, now)
    assert ra["queued_at"] == same_instant_in_paris.isoformat() != now.isoformat()
    assert ra["started_at"] == rb["started_at"] == now.isoformat()
    assert rb["id"] == str(b.row["id"])  # a uuid id is written as text too


def test_a_retry_is_due_at_an_iso_time_and_a_datetime_result_is_iso_text() -> None:
    now = T0 + timedelta(seconds=5)
    held = Held(claimed_row(), "tok", "w1", now)
    policy = RetryPolicy(max_deliveries=5)
    failed = recording.end(held, AttemptOutcome.FAILED, now, policy, error="boom")
    ok = recording.end(held, AttemptOutcome.SUCCEEDED, now, None, result=T0)
    retry, done = rows_of([failed, ok], now)
    assert retry["status"] == "RETRYING" and retry["finished_at"] is None
    assert datetime.fromisoformat(retry["next_attempt_at"]) > now
    assert done["result"] == T0.isoformat()
