"""A scheduled job's stable spread (issue 24): each occurrence fans out to one run per
key, each held back to its key's stable offset after the occurrence, the same offset
every day; a spread whose keys the job cannot give is refused naming the field."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jobsched.domain import spread
from jobsched.errors import ValidationError
from tests.integration.engine import Engine

HOUR_MS = 3_600_000
KEYS = ["acme", "globex", "initech"]


def runs_of(engine: Engine, job_id: str) -> list[dict]:
    with engine.store.tx() as conn:
        return conn.execute(
            "SELECT scheduled_for, start_after, spread_key, status, payload, concurrency_key"
            " FROM executions WHERE job_id = %s ORDER BY scheduled_for, spread_key",
            (job_id,),
        ).fetchall()


def next_six(now: datetime) -> datetime:
    six = now.replace(hour=6, minute=0, second=0, microsecond=0)
    return six if six > now else six + timedelta(days=1)


def tick_past(engine: Engine, when: datetime) -> None:
    engine.clock.advance((when - engine.clock.now()).total_seconds() + 1)
    engine.scheduler.run_once(engine.clock.now())


def test_each_key_runs_at_its_stable_offset_of_every_daily_occurrence(engine: Engine) -> None:
    job_id = engine.create_job(
        schedule="0 6 * * *",
        payload={"tenants": KEYS},
        spread={"keys": {"$ref": "payload.tenants"}, "window_ms": HOUR_MS, "field": "tenant"},
        concurrency={"key": {"$ref": "payload.tenant"}, "limit": 1},
    )
    day1 = next_six(engine.clock.now())
    tick_past(engine, day1)
    day2 = day1 + timedelta(days=1)
    tick_past(engine, day2)
    runs = runs_of(engine, job_id)
    by_day = {
        day: [(r["spread_key"], r["start_after"] - day) for r in runs if r["scheduled_for"] == day]
        for day in (day1, day2)
    }
    expected = sorted((k, timedelta(milliseconds=spread.offset_ms(k, HOUR_MS))) for k in KEYS)
    assert by_day[day1] == expected
    assert by_day[day2] == expected  # the same key, the same offset, every day
    assert len({offset for _, offset in expected}) == 3  # spread apart, not all at 06:00
    for r in runs:
        assert r["status"] == "PENDING" or r["status"] == "QUEUED"
        assert r["payload"]["tenant"] == r["spread_key"] == r["concurrency_key"]


def test_a_tick_run_again_writes_no_second_run_of_a_key(engine: Engine) -> None:
    job_id = engine.create_job(schedule="0 6 * * *", spread={"keys": KEYS, "window_ms": HOUR_MS})
    day1 = next_six(engine.clock.now())
    tick_past(engine, day1)
    with engine.store.tx() as conn:  # as if the job's advance were lost
        conn.execute("UPDATE jobs SET next_run_time = %s WHERE id = %s", (day1, job_id))
    engine.scheduler.run_once(engine.clock.now())
    assert sorted(r["spread_key"] for r in runs_of(engine, job_id)) == KEYS


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"spread": {"keys": {"$ref": "payload.nope"}, "window_ms": 1000}}, "payload.nope"),
        ({"spread": {"keys": [], "window_ms": 1000}}, "spread.keys"),
        ({"spread": {"keys": ["a"], "window_ms": 0}}, "spread.window_ms"),
        ({"spread": {"keys": ["a"], "window_ms": 1000}, "schedule": None}, "spread"),
    ],
)
def test_a_bad_spread_is_refused_naming_the_field(engine: Engine, fields, field) -> None:
    with pytest.raises(ValidationError) as exc:
        engine.create_job(**{"schedule": "0 6 * * *", **fields})
    assert field in exc.value.fields, exc.value.fields
