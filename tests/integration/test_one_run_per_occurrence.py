"""One cron occurrence, one run, whoever writes it first: the tick or a backfill
(issue 20). One unique index owns (job, occurrence) for both writers; manual triggers
are not occurrences and never collide with it."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import psycopg
import pytest

from jobsched.domain.triggering import execution_row
from jobsched.store.execution_rows import ExecutionRows
from jobsched.store.migrations import migration_files
from jobsched.store.queries import q
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for

EVERY_10M = "*/10 * * * *"


def _runs_of(engine: Engine, job_id: str) -> list:
    """The job's runs that are runs (a SKIPPED record is not)."""
    items = engine.store.executions.list(job_id=job_id, limit=200).items
    return sorted((e for e in items if e.status != "SKIPPED"), key=lambda e: e.scheduled_for)


def test_a_backfill_up_to_now_after_an_outage_is_not_run_again_by_the_tick(
    engine: Engine,
) -> None:
    job_id = engine.create_job(schedule=EVERY_10M)  # catch_up 'latest'
    t0 = engine.store.jobs.get(job_id).next_run_time
    engine.clock.set(t0 + timedelta(hours=1, seconds=2))  # the scheduler was down
    now = engine.clock.now()
    body = {"start": (t0 - timedelta(seconds=1)).isoformat(), "end": now.isoformat()}
    backfilled = engine.service.backfill(job_id, body)
    assert backfilled["total"] == 7  # t0 .. t0+60 min, what an operator does after an outage

    engine.scheduler.run_once(now)  # the tick catches up the latest occurrence: written

    runs = _runs_of(engine, job_id)
    times = [e.scheduled_for for e in runs]
    assert times == [t0 + timedelta(minutes=m) for m in range(0, 61, 10)]  # each once
    assert {e.source for e in runs} == {"backfill"}
    # Manual triggers are not occurrences: one at the very same time still runs.
    engine.service.trigger_job(job_id, {"run_at": (t0 + timedelta(hours=1)).isoformat()})
    assert len(_runs_of(engine, job_id)) == 8


def _blocked_or_done(database_url: str, thread: threading.Thread) -> bool:
    with psycopg.connect(database_url, autocommit=True) as conn:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
    return waiting > 0 or not thread.is_alive()


@pytest.mark.parametrize("first", ["schedule", "backfill"])
def test_two_writers_racing_on_one_occurrence_leave_one_run(
    engine: Engine, database_url: str, first: str
) -> None:
    """The tick's and a backfill's rows go through one write path
    (``execution_row`` + ``insert_executions``); the database decides between them.
    The first writer's transaction is still open when the second writes: without the
    unique index nothing would stop the second row (the backfill's own check cannot
    see an uncommitted row)."""
    job_id = engine.create_job(schedule=EVERY_10M)
    store = engine.store
    with store.tx() as conn:
        job = conn.execute(q("get_job"), {"id": uuid.UUID(job_id)}).fetchone()
    occurrence = job["next_run_time"]
    now = engine.clock.now()
    second = "backfill" if first == "schedule" else "schedule"
    written: list[int] = []

    def write(source: str) -> None:
        with store.tx() as tx:
            row = execution_row(job, occurrence, source, now)
            written.append(len(ExecutionRows.insert_executions(tx, [row], {job["id"]: "x"})))

    with store.tx() as tx:
        row = execution_row(job, occurrence, first, now)
        assert len(ExecutionRows.insert_executions(tx, [row], {job["id"]: "x"})) == 1
        racer = threading.Thread(target=write, args=(second,))
        racer.start()
        wait_for(lambda: _blocked_or_done(database_url, racer), what="the second writer")
    racer.join()

    assert written == [0]  # the second writer's row was not written
    (run,) = _runs_of(engine, job_id)
    assert (run.scheduled_for, run.source) == (occurrence, first)


MIGRATION = dict(migration_files())["0015_one_run_per_occurrence.sql"]


WORKFLOW_COLUMNS = [
    ("workflow_run_id", "uuid"),
    ("step_id", "text"),
    ("step_item", "integer"),
    ("step_round", "integer"),
    ("step_inputs", "jsonb"),
]
"""The columns of executions 0019 added, in order."""
FLOW_COLUMNS = [
    ("concurrency_key", "text"),
    ("concurrency_limit", "integer"),
    ("rate_key", "text"),
    ("rate_limit", "integer"),
    ("rate_period_ms", "integer"),
    ("singleton_key", "text"),
    ("debounce_key", "text"),
    ("debounce_until", "timestamptz"),
    ("spread_key", "text"),
]
"""The columns of executions 0022 and 0024 added, in order (today's writes name them:
they go after the rows are written the way they were before 0015)."""
LATER_INDEXES = (
    "CREATE INDEX executions_singleton_idx ON executions (job_id, singleton_key)"
    " WHERE singleton_key IS NOT NULL AND status IN ('PENDING', 'QUEUED', 'RUNNING', 'RETRYING')",
    "CREATE INDEX executions_debounce_idx ON executions (job_id, debounce_key)"
    " WHERE debounce_key IS NOT NULL AND status = 'QUEUED'",
)
"""0022's indexes on those columns (dropped with them)."""
SPREAD_INDEXES = (
    "DROP INDEX IF EXISTS executions_run_of_occurrence_idx",
    "CREATE UNIQUE INDEX executions_run_of_occurrence_idx"
    " ON executions (job_id, scheduled_for, spread_key) NULLS NOT DISTINCT"
    " WHERE source IN ('schedule', 'backfill') AND status <> 'SKIPPED' AND NOT superseded",
    "DROP INDEX IF EXISTS executions_occurrence_idx",
    "CREATE UNIQUE INDEX executions_occurrence_idx"
    " ON executions (job_id, scheduled_for, spread_key) NULLS NOT DISTINCT"
    " WHERE source = 'schedule'",
)
"""0024's one-run-per-occurrence indexes (one run per key of a spread): dropped with
spread_key, or made again by 0015 without the key."""
WORKFLOW_STEP_INDEX = (
    "CREATE UNIQUE INDEX executions_workflow_step_idx"
    " ON executions (workflow_run_id, step_id, step_item, scheduled_for)"
    " WHERE workflow_run_id IS NOT NULL"
)


def test_the_migration_keeps_occurrences_run_twice_as_history_and_cancels_waiting_ones(
    engine: Engine,
) -> None:
    job_id = engine.create_job(schedule=EVERY_10M)
    jid = uuid.UUID(job_id)
    now = engine.clock.now()
    t1, t2 = now - timedelta(minutes=20), now - timedelta(minutes=10)
    with engine.store.tx() as conn:
        # The schema as it was before 0015: one unique index per writer.
        conn.execute(
            "DROP INDEX executions_run_of_occurrence_idx, executions_unfinished_keyset_idx"
        )
        # The columns added after 0015 go and come back around it, so the table keeps
        # its real column order: the session's pooled connections hold prepared
        # SELECT e.* plans, which refuse a row type that changed.
        for column, _ in WORKFLOW_COLUMNS:
            conn.execute(f"ALTER TABLE executions DROP COLUMN {column}")
        conn.execute("ALTER TABLE executions DROP COLUMN superseded")
        conn.execute(
            "CREATE UNIQUE INDEX executions_backfill_idx ON executions (job_id, scheduled_for)"
            " WHERE source = 'backfill'"
        )
        job = conn.execute(q("get_job"), {"id": jid}).fetchone()
        rows = [
            execution_row(job, t1, "schedule", now - timedelta(minutes=5)),
            execution_row(job, t1, "backfill", now),  # ran it again: finished
            execution_row(job, t2, "backfill", now - timedelta(minutes=5)),
            execution_row(job, t2, "schedule", now),  # would run it again: waits
        ]
        ExecutionRows.insert_executions(conn, rows, {jid: "x"})
        conn.execute(
            "UPDATE executions SET status = 'SUCCEEDED', finished_at = %s WHERE id = ANY(%s)",
            (now, [rows[0]["id"], rows[1]["id"]]),
        )
        for column, _ in FLOW_COLUMNS:
            conn.execute(f"ALTER TABLE executions DROP COLUMN {column}")
        conn.execute(MIGRATION)
        for column, kind in WORKFLOW_COLUMNS + FLOW_COLUMNS:
            conn.execute(f"ALTER TABLE executions ADD COLUMN {column} {kind}")
        conn.execute(WORKFLOW_STEP_INDEX)
        for index in LATER_INDEXES + SPREAD_INDEXES:
            conn.execute(index)

    def state(row: dict) -> tuple:
        e = engine.store.executions.get(str(row["id"]))
        return e.status, e.source

    assert [state(r) for r in rows] == [
        ("SUCCEEDED", "schedule"),
        ("SUCCEEDED", "backfill"),  # history kept
        ("PENDING", "backfill"),
        ("CANCELLED", "schedule"),  # the second run of t2 will not run
    ]
    with engine.store.tx() as conn:
        superseded = {r["id"] for r in conn.execute("SELECT id FROM executions WHERE superseded")}
    assert superseded == {rows[1]["id"], rows[3]["id"]}
    # From now on the index holds: a third run of t1 (a backfill's) is not written.
    with engine.store.tx() as conn:
        again = execution_row(job, t1, "backfill", now)
        assert ExecutionRows.insert_executions(conn, [again], {jid: "x"}) == []
