"""The worker's writes aimed straight at a run's partition (migration 0013): every run
is still written, guarded as before, and the counters and the run duration histogram
stay exact whichever table a statement names, the parent or one partition."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from jobsched import execution_record
from jobsched.domain.recording import Finish, Held
from jobsched.domain.states import AttemptOutcome
from jobsched.store.queries import q
from tests.integration.engine import Engine
from tests.integration.test_flat_cost import _assert_totals_match, _partition_of


def _succeeded(engine: Engine) -> tuple[int, float]:
    """Runs the histogram counts as SUCCEEDED, and their summed seconds."""
    rows = [r for r in engine.store.stats.run_durations() if r["status"] == "SUCCEEDED"]
    return sum(r["n"] for r in rows), sum(r["sum_s"] for r in rows)


def _record(engine: Engine, rows: list[dict[str, Any]]) -> set[str]:
    """Each run recorded SUCCEEDED, written once, as a worker does; the ids written."""
    now = engine.clock.now()
    ends = [(Held(r, "tok", "w1", now - timedelta(seconds=2)), _ok(str(r["id"]))) for r in rows]
    _, ended = execution_record.record(engine.store, [], ends, now)
    return set(ended)


def _to_a_day_without_partition(engine: Engine) -> None:
    """Moves the clock on to a day no test has made a partition for (a write makes it,
    unless ``_left_in_the_default_partition``)."""
    while True:
        engine.clock.advance(days=50)
        with engine.store.tx() as conn:
            day = f"executions_p{engine.clock.now():%Y%m%d}"
            if conn.execute("SELECT to_regclass(%s) AS t", (day,)).fetchone()["t"] is None:
                return


def _to_a_day_with_its_own_partition(engine: Engine) -> None:
    """Moves the clock on to a day that now has a partition of its own: the tests share
    a database, and today's partition may be gone (another test's retention) or its
    rows may sit in the default partition."""
    while True:
        _to_a_day_without_partition(engine)
        with engine.store.tx() as conn:
            params = {"now": engine.clock.now(), "days": 1}
            if next(
                iter(conn.execute(q("ensure_execution_partitions"), params).fetchone().values())
            ):
                return


def _left_in_the_default_partition(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes no longer make their days' partitions (as when the lock to attach one was
    busy): runs of a day without its partition stay in the default partition."""
    monkeypatch.setattr(engine.store.partitions, "ensure_for", lambda times: None)


def _ok(execution_id: str) -> Finish:
    return Finish(execution_id, "tok", AttemptOutcome.SUCCEEDED, {"ok": 1})


@pytest.mark.parametrize("table", ["a day the tick added", "the default partition"])
def test_statements_aimed_at_a_partition_are_counted_once(
    engine: Engine, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = engine.create_job()
    _to_a_day_without_partition(engine)
    if table == "a day the tick added":
        engine.scheduler.run_once(engine.clock.now())
    else:
        _left_in_the_default_partition(engine, monkeypatch)
    runs = [e["id"] for e in engine.service.trigger_job(job, {"runs": [{}] * 4})["items"]]
    part = _partition_of(engine, runs[0])
    assert part != "executions"
    assert (part == "executions_default") == (table == "the default partition")
    now = engine.clock.now()
    ids = [uuid.UUID(i) for i in runs]
    with engine.store.tx() as conn:
        conn.execute(
            f"UPDATE {part} SET status = 'CANCELLED', finished_at = %s WHERE id = %s",
            (now, ids[0]),
        )
        conn.execute(
            f"UPDATE {part} SET status = 'SUCCEEDED', started_at = %s, finished_at = %s"
            " WHERE id = %s",
            (now - timedelta(seconds=2), now, ids[1]),
        )
        conn.execute(f"UPDATE {part} SET priority = priority + 1")  # no status changes
        conn.execute(f"DELETE FROM {part} WHERE id = %s", (ids[2],))
        conn.execute(
            f"CREATE TEMP TABLE copy ON COMMIT DROP AS SELECT * FROM {part} WHERE id = %s",
            (ids[3],),
        )
        conn.execute("INSERT INTO copy SELECT * FROM copy")
        conn.execute("UPDATE copy SET id = gen_random_uuid()")
        conn.execute(f"INSERT INTO {part} SELECT * FROM copy")  # two rows in one statement
    _assert_totals_match(engine, [job])
    assert _succeeded(engine) == (1, 2.0)
    engine.scheduler.run_once(engine.clock.now())  # folds the deltas
    _assert_totals_match(engine, [job])
    assert _succeeded(engine) == (1, 2.0)


def test_a_batch_is_written_into_its_rows_partitions(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = engine.create_job()
    today = [e["id"] for e in engine.service.trigger_job(job, {"runs": [{}] * 2})["items"]]
    _to_a_day_without_partition(engine)
    _left_in_the_default_partition(engine, monkeypatch)
    later = engine.service.trigger_job(job, {})["id"]  # in the default partition
    rows = engine.store.attempts.claimed([*today, later])
    assert {r["part"] for r in rows} == {
        _partition_of(engine, today[0]),
        "executions_default",
    }
    assert _record(engine, rows) == {*today, later}  # one batch, two partitions
    assert {engine.status(i) for i in [*today, later]} == {"SUCCEEDED"}
    _assert_totals_match(engine, [job])
    assert _succeeded(engine) == (3, 6.0)


def test_a_write_refused_in_its_partition_is_refused_by_the_parent_too(engine: Engine) -> None:
    job = engine.create_job()
    runs = [e["id"] for e in engine.service.trigger_job(job, {"runs": [{}] * 2})["items"]]
    rows = engine.store.attempts.claimed(runs)
    assert _record(engine, rows[:1]) == {str(rows[0]["id"])}
    # The same claims again: the first row has changed since it was read.
    assert _record(engine, rows) == {str(rows[1]["id"])}
    _assert_totals_match(engine, [job])
    assert _succeeded(engine) == (2, 4.0)


def test_a_run_whose_row_is_not_where_it_was_read_is_written(engine: Engine) -> None:
    job = engine.create_job()
    _to_a_day_with_its_own_partition(engine)
    run = engine.service.trigger_job(job, {})["id"]
    (row,) = engine.store.attempts.claimed([run])
    assert row["part"] != "executions_default"
    # As if the day's partition had been dropped and made again since the read.
    assert _record(engine, [{**row, "part": "executions_default"}]) == {run}
    assert engine.status(run) == "SUCCEEDED"
    _assert_totals_match(engine, [job])
    assert _succeeded(engine) == (1, 2.0)


def test_a_run_whose_partition_retention_dropped_since_the_read_is_written(
    engine: Engine,
) -> None:
    job = engine.create_job()
    run, other = [e["id"] for e in engine.service.trigger_job(job, {"runs": [{}] * 2})["items"]]
    old_day = engine.clock.now() - timedelta(days=35)
    with engine.store.tx() as conn:  # the runs were due 35 days ago, in their own day
        conn.execute(q("ensure_execution_partitions"), {"now": old_day, "days": 1})
        conn.execute(
            "UPDATE executions SET scheduled_for = scheduled_for - interval '35 days'"
            " WHERE id = ANY(%s)",
            ([uuid.UUID(run), uuid.UUID(other)],),
        )
    old_partition = f"executions_p{old_day:%Y%m%d}"
    rows = engine.store.attempts.claimed([run, other])
    assert {r["part"] for r in rows} == {old_partition}
    # Retention drops the day; the unfinished runs are kept in the default partition.
    engine.store.retention.delete_executions_older_than(engine.clock.now() - timedelta(days=30))
    assert _partition_of(engine, run) == "executions_default"
    assert _record(engine, rows) == {run, other}
    assert {engine.status(run), engine.status(other)} == {"SUCCEEDED"}
    _assert_totals_match(engine, [job])
    assert _succeeded(engine) == (2, 4.0)
