"""What a trigger becomes, as a table: when each run is due, its start jitter, the
values it runs with, its idempotency keys, and the job's room for it
(jobsched/domain/triggering.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobsched.domain import triggering

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ({}, NOW),
        ({"delay_ms": 1500}, NOW + timedelta(milliseconds=1500)),
        ({"run_at": NOW + timedelta(hours=2)}, NOW + timedelta(hours=2)),
        ({"run_at": NOW - timedelta(hours=2)}, NOW),  # a time past means now
    ],
)
def test_run_time(run: dict[str, Any], expected: datetime) -> None:
    assert triggering.run_time(run, NOW) == expected


@pytest.mark.parametrize(
    ("execution_id", "jitter_ms", "expected"),
    [
        (uuid.UUID(int=7), 0, None),  # no jitter: at its time
        (uuid.UUID(int=7), 10, NOW + timedelta(milliseconds=7)),
        (uuid.UUID(int=25), 10, NOW + timedelta(milliseconds=3)),  # 25 % 11
        (uuid.UUID(int=10), 10, NOW + timedelta(milliseconds=10)),  # at most the jitter
    ],
)
def test_start_after(execution_id: uuid.UUID, jitter_ms: int, expected: datetime | None) -> None:
    assert triggering.start_after(execution_id, NOW, jitter_ms) == expected


@pytest.mark.parametrize(
    ("job_value", "run_value", "expected"),
    [
        ({"a": 1}, None, {"a": 1}),  # no override: the job's
        ({"a": 1}, {"a": 2}, {"a": 2}),
        ({"a": 1}, {}, {}),  # an empty payload overrides too
        (5, 0, 0),  # priority 0 is an override, not "none"
    ],
)
def test_overridden(job_value: Any, run_value: Any, expected: Any) -> None:
    assert triggering.overridden(job_value, run_value) == expected


@pytest.mark.parametrize(
    ("key", "runs", "expected"),
    [
        (None, 1, None),
        (None, 3, None),
        ("k", 1, ["k"]),
        ("k", 3, ["k#0", "k#1", "k#2"]),
    ],
)
def test_trigger_keys(key: str | None, runs: int, expected: list[str] | None) -> None:
    assert triggering.trigger_keys(key, runs) == expected


@pytest.mark.parametrize(
    ("unfinished", "adding", "limit", "fits"),
    [
        (0, 5, None, True),  # no limit
        (2, 3, 5, True),  # exactly at the limit
        (3, 3, 5, False),
        (5, 1, 5, False),
        (0, 6, 5, False),
    ],
)
def test_room(unfinished: int, adding: int, limit: int | None, fits: bool) -> None:
    why = triggering.room_refusal(unfinished, adding, limit)
    assert (why is None) is fits
    if why is not None:
        assert f"{unfinished} unfinished" in why and f"at most {limit}" in why


def test_not_yet_run_keeps_the_order_of_the_range() -> None:
    times = [NOW + timedelta(minutes=i) for i in range(4)]
    assert triggering.not_yet_run(times, {times[1], times[3]}) == [times[0], times[2]]


JOB = {
    "id": uuid.UUID(int=1),
    "name": "nightly",
    "priority": 5,
    "handler": "test.echo",
    "payload": {"a": 1},
    "max_retries": 3,
    "timeout_ms": 1000,
    "retry_backoff_ms": 100,
    "retry_backoff_max_ms": 1000,
    "pool": "default",
    "max_concurrency": None,
    "start_jitter_ms": 0,
}


@pytest.mark.parametrize(
    ("over", "skip", "wait", "status", "on_hold", "finished", "jittered"),
    [
        ({}, None, False, "PENDING", False, None, False),
        ({}, "paused", False, "SKIPPED", False, NOW, False),  # a skipped run ends at once
        ({}, None, True, "PENDING", True, None, False),  # held back (one at a time)
        ({"start_jitter_ms": 60_000}, None, False, "PENDING", False, None, True),
    ],
)
def test_run_row(
    over: dict[str, Any],
    skip: str | None,
    wait: bool,
    status: str,
    on_hold: bool,
    finished: datetime | None,
    jittered: bool,
) -> None:
    at = NOW - timedelta(minutes=5)
    row = triggering.execution_row({**JOB, **over}, at, "schedule", NOW, skip, wait=wait)
    assert (row["status"], row["on_hold"], row["finished_at"], row["error"]) == (
        status,
        on_hold,
        finished,
        skip,
    )
    assert row["scheduled_for"] == at and row["payload"] == {"a": 1} and row["priority"] == 5
    # the jitter is the run's own: decided by its id
    assert row["start_after"] == triggering.start_after(
        row["id"], at, over.get("start_jitter_ms", 0)
    )
    if jittered:
        assert at <= row["start_after"] <= at + timedelta(minutes=1)
    else:
        assert row["start_after"] is None


@pytest.mark.parametrize(
    ("run", "queued", "priority", "payload", "status"),
    [
        ({}, False, 5, {"a": 1}, "PENDING"),
        ({"priority": 0}, True, 0, {"a": 1}, "QUEUED"),
        ({"payload": {"b": 2}}, False, 5, {"b": 2}, "PENDING"),
    ],
)
def test_triggered_runs(
    run: dict[str, Any], queued: bool, priority: int, payload: Any, status: str
) -> None:
    ids = [uuid.UUID(int=9)]
    ((e, item),) = triggering.triggered_executions(JOB, ids, [NOW], [run], NOW, ["k"], queued)
    assert item[:6] == (e.id, priority, e.pool, e.job_id, JOB["max_concurrency"], e.handler)
    assert (e.priority, e.payload, e.status, e.source) == (priority, payload, status, "trigger")
    assert e.idempotency_key == "k" and e.id == str(ids[0])
    assert e.queued_at == (NOW if queued else None)


@pytest.mark.parametrize(
    ("body", "needed"),
    [
        (None, False),
        ({}, False),
        ({"priority": 90, "delay_ms": 5}, False),
        ({"runs": [{}, {"priority": 1}]}, False),
        ({"payload": {}}, True),
        ({"payload": None}, True),
        ({"runs": [{}, {"payload": {"a": 1}}]}, True),
        ({"runs": "not a list", "payload": {}}, True),
        ("not an object", False),
    ],
)
def test_only_a_payload_override_needs_the_job_read_first(body: Any, needed: bool) -> None:
    assert triggering.needs_job(body) is needed
