"""The claimed read finds a run in its own partition from its id, and still finds runs
whose id carries no time, or the wrong one (jobsched/domain/execution_ids.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from psycopg.types.json import Jsonb

from jobsched.domain.execution_ids import scheduled_ms
from jobsched.store.queries import q
from tests.integration.engine import Engine
from tests.integration.test_partition_writes import _to_a_day_with_its_own_partition


def _floor_ms(when: datetime) -> int:
    return (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _partitions_read(engine: Engine, ids: list[str]) -> set[str]:
    """The partitions whose primary key the claimed read of ``ids`` probed."""
    runs = [{"id": i, "ms": scheduled_ms(i)} for i in ids]
    with engine.store.tx() as conn:
        plan = conn.execute(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + q("claimed_executions"),
            {"runs": Jsonb(runs)},
        ).fetchall()
    lines = [next(iter(r.values())) for r in plan]
    return {
        line.split(" on ")[1].split()[0]
        for line in lines
        if "_pkey on executions" in line and "never executed" not in line
    }


def test_triggered_and_scheduled_runs_carry_their_time(engine: Engine) -> None:
    job = engine.create_job(schedule="*/5 * * * * *")
    engine.scheduler.run_once(engine.clock.now())
    triggered = engine.service.trigger_job(job, {"runs": [{}, {"delay_ms": 90_000_000}]})
    scheduled = engine.store.executions.list(job_id=job, limit=10).items
    for e in scheduled:
        assert scheduled_ms(e.id) == _floor_ms(e.scheduled_for)
    for item in triggered["items"]:
        run = engine.store.executions.get(item["id"])
        assert scheduled_ms(run.id) == _floor_ms(run.scheduled_for)


def test_the_claimed_read_looks_in_each_runs_own_partition_only(engine: Engine) -> None:
    job = engine.create_job()
    _to_a_day_with_its_own_partition(engine)
    today = [e["id"] for e in engine.service.trigger_job(job, {"runs": [{}] * 3})["items"]]
    later = engine.service.trigger_job(job, {"delay_ms": 2 * 86_400_000})["id"]
    with engine.store.tx() as conn:  # the later run's day has its partition too
        conn.execute(q("ensure_execution_partitions"), {"now": engine.clock.now(), "days": 3})
    assert {r["id"] for r in engine.store.attempts.claimed([*today, later])} == {*today, later}
    parts = _partitions_read(engine, [*today, later])
    with engine.store.tx() as conn:
        total = conn.execute(
            "SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'executions'::regclass"
        ).fetchone()["n"]
    assert total > 2
    assert len(parts) <= 2  # today's and the later day's, not every partition


def test_runs_whose_id_carries_no_time_or_another_are_still_claimed(engine: Engine) -> None:
    job = engine.create_job()
    first, second = [e["id"] for e in engine.service.trigger_job(job, {"runs": [{}, {}]})["items"]]
    legacy = str(uuid.uuid4())
    with engine.store.tx() as conn:
        # A run written before ids carried their time: a copy of one under a v4 id.
        conn.execute(
            "CREATE TEMP TABLE copy ON COMMIT DROP AS SELECT * FROM executions WHERE id = %s",
            (uuid.UUID(first),),
        )
        conn.execute("UPDATE copy SET id = %s", (uuid.UUID(legacy),))
        conn.execute("INSERT INTO executions SELECT * FROM copy")
        # A row whose scheduled_for was changed by hand since its id was made.
        conn.execute(
            "UPDATE executions SET scheduled_for = scheduled_for + %s WHERE id = %s",
            (timedelta(milliseconds=7), uuid.UUID(second)),
        )
    rows = engine.store.attempts.claimed([first, second, legacy])
    assert {r["id"] for r in rows} == {first, second, legacy}
    # Finished runs are left out whichever way they are found.
    with engine.store.tx() as conn:
        conn.execute(
            "UPDATE executions SET status = 'CANCELLED', finished_at = now() WHERE id = ANY(%s)",
            ([uuid.UUID(second), uuid.UUID(legacy)],),
        )
    assert [r["id"] for r in engine.store.attempts.claimed([first, second, legacy])] == [first]
