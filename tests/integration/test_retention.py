"""History is bounded by default: a built-in cleanup job, created on the first start,
deletes finished executions older than RETENTION_DAYS and never a dead-letter entry."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg
import pytest

from jobsched.builtin_jobs import CLEANUP_JOB, CLEANUP_SCHEDULE
from jobsched.errors import NotFoundError
from jobsched.scheduler import Scheduler
from jobsched.store import retention
from jobsched.store.queries import q
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for


@pytest.fixture
def retaining(engine: Engine) -> Engine:
    """The engine with the default retention (the test settings turn it off)."""
    engine.settings = dataclasses.replace(engine.settings, retention_days=30)
    engine.scheduler = Scheduler(engine.store, engine.queue, engine.settings, engine.clock)
    return engine


def _cleanup_jobs(engine: Engine) -> list[dict]:
    return [j for j in engine.service.list_jobs({})["items"] if j["name"] == CLEANUP_JOB]


def test_the_first_start_creates_a_daily_cleanup_job_once(retaining: Engine) -> None:
    retaining.scheduler.run_once(retaining.clock.now())
    (job,) = _cleanup_jobs(retaining)
    assert job["handler"] == "system.cleanup" and job["schedule"] == CLEANUP_SCHEDULE
    assert job["status"] == "SCHEDULED" and job["next_run_time"]

    # An operator pauses it; another scheduler process starting later keeps that.
    retaining.service.pause_job(job["id"])
    again = Scheduler(retaining.store, retaining.queue, retaining.settings, retaining.clock)
    retaining.queue.release_leader(retaining.scheduler.owner)
    assert again.run_once(retaining.clock.now()).leader
    (job,) = _cleanup_jobs(retaining)
    assert job["status"] == "PAUSED"


def test_retention_zero_keeps_history_forever(engine: Engine) -> None:
    assert engine.settings.retention_days == 0
    engine.scheduler.run_once(engine.clock.now())
    assert _cleanup_jobs(engine) == []


def _finished_runs(engine: Engine, job_id: str, n: int) -> list[str]:
    body = {"runs": [{} for _ in range(n)]}
    ids = [e["id"] for e in engine.service.trigger_job(job_id, body)["items"]]
    engine.run_until(lambda: all(engine.status(i) in ("SUCCEEDED", "FAILED") for i in ids))
    return ids


def test_cleanup_deletes_old_history_but_keeps_dead_letters_and_recent_runs(
    retaining: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "CLEANUP_BATCH", 2)  # several batches
    ok = retaining.create_job()
    failing = retaining.create_job(
        handler="test.delay", payload={"durationMs": 1, "shouldFail": True}, max_retries=0
    )
    old_ok = _finished_runs(retaining, ok, 5)
    (old_dead,) = _finished_runs(retaining, failing, 1)
    assert retaining.status(old_dead) == "FAILED"

    recent = _finished_runs(retaining, ok, 1)
    with retaining.store.tx() as conn:  # the first runs finished 31 days ago
        conn.execute(
            "UPDATE executions SET finished_at = finished_at - interval '31 days'"
            " WHERE id = ANY(%s)",
            ([uuid.UUID(i) for i in [*old_ok, old_dead]],),
        )
    retaining.scheduler.run_once(retaining.clock.now())  # creates the cleanup job
    (cleanup,) = _cleanup_jobs(retaining)
    run = retaining.service.trigger_job(cleanup["id"], {})
    retaining.run_until(lambda: retaining.status(run["id"]) == "SUCCEEDED")

    assert retaining.store.executions.get(run["id"]).result["deleted"] == 5
    for gone in old_ok:
        with pytest.raises(NotFoundError):
            retaining.store.executions.get(gone)
    assert retaining.store.executions.get(recent[0]).status == "SUCCEEDED"
    # The dead-letter entry and its execution stay until an operator handles them.
    (entry,) = retaining.service.list_dead_letter({})["items"]
    assert entry["execution_id"] == old_dead
    assert retaining.status(old_dead) == "FAILED"


def _runs_of_an_old_day(engine: Engine, job: str, n: int, days: int = 35) -> tuple[list[str], str]:
    """``n`` finished runs moved to ``days`` ago, into that day's own partition; the
    runs and the partition."""
    runs = _finished_runs(engine, job, n)
    old_day = engine.clock.now() - timedelta(days=days)
    with engine.store.tx() as conn:
        conn.execute(q("ensure_execution_partitions"), {"now": old_day, "days": 1})
        conn.execute(
            "UPDATE executions SET scheduled_for = scheduled_for - %s * interval '1 day',"
            " finished_at = finished_at - %s * interval '1 day' WHERE id = ANY(%s)",
            (days, days, [uuid.UUID(i) for i in runs]),
        )
    return runs, f"executions_p{old_day:%Y%m%d}"


def _exists(engine: Engine, table: str) -> bool:
    with engine.store.tx() as conn:
        return conn.execute("SELECT to_regclass(%s) AS t", (table,)).fetchone()["t"] is not None


def _someone_waits_for_executions(database_url: str) -> bool:
    """A backend is queued for a lock on executions (or one of its partitions)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE NOT l.granted AND c.relname LIKE 'executions%%'"
        ).fetchone()
    return bool(row and row[0])


def test_retention_gives_way_to_the_hot_path_instead_of_queueing_it(engine: Engine) -> None:
    """A long reader holds executions (an API list, a report) while retention drops a
    day: retention's lock request must not queue a worker's statements behind it."""
    job = engine.create_job()
    old, part = _runs_of_an_old_day(engine, job, 3)
    recent = _finished_runs(engine, job, 1)
    waiting = engine.service.trigger_job(job, {})["id"]  # queued for a worker
    store = engine.store
    gave_way, reader_done = threading.Event(), threading.Event()

    def pause(_seconds: float) -> None:  # retention waits out the busy reader, no sleep
        gave_way.set()
        reader_done.wait(30)

    with psycopg.connect(store.database_url) as reader, ThreadPoolExecutor(2) as pool:
        reader.execute("SELECT count(*) FROM executions").fetchone()  # holds its lock
        cleanup = pool.submit(
            store.retention.delete_executions_older_than,
            engine.clock.now() - timedelta(days=30),
            None,
            pause,
        )
        try:
            # Retention has asked for its lock (and is queued for it, or gave way).
            wait_for(
                lambda: gave_way.is_set() or _someone_waits_for_executions(store.database_url),
                what="retention asking for its lock",
            )
            # A worker's statement on executions, while the reader still holds it.
            claim = pool.submit(store.attempts.claimed, [waiting])
            (row,) = claim.result(timeout=8)  # less than the lock wait retention used to allow
            assert str(row["id"]) == waiting
        finally:
            reader.rollback()
            reader_done.set()
        assert cleanup.result(timeout=60) == 3
    assert not _exists(engine, part)  # dropped once the reader was gone
    for gone in old:
        with pytest.raises(NotFoundError):
            store.executions.get(gone)
    assert engine.status(recent[0]) == "SUCCEEDED"


def test_retention_keeps_a_run_retried_in_the_same_instant(engine: Engine) -> None:
    job = engine.create_job()
    run = engine.service.trigger_job(job, {})["id"]
    engine.service.cancel_execution(run)
    assert engine.status(run) == "CANCELLED"
    store = engine.store
    with store.tx() as conn:  # cancelled 31 days ago (its day is recent: deleted by row)
        conn.execute(
            "UPDATE executions SET finished_at = finished_at - interval '31 days' WHERE id = %s",
            (uuid.UUID(run),),
        )
    with psycopg.connect(store.database_url) as retry, ThreadPoolExecutor(1) as pool:
        # An operator's retry of the run is being written, not yet committed...
        moved = retry.execute(
            q("requeue_execution"), {"id": uuid.UUID(run), "now": engine.clock.now()}
        ).fetchall()
        assert len(moved) == 1
        # ...when retention, which read the run as old and finished, reaches it.
        cleanup = pool.submit(
            store.retention.delete_executions_older_than, engine.clock.now() - timedelta(days=30)
        )
        wait_for(lambda: _someone_waits_for_a_row(store.database_url), what="a row lock wait")
        retry.commit()
        assert cleanup.result(timeout=30) == 0
    assert engine.status(run) == "PENDING"


def _someone_waits_for_a_row(database_url: str) -> bool:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


def test_retention_prunes_delivered_notifications(engine: Engine) -> None:
    job = engine.create_job()
    now = engine.clock.now()
    kinds = {  # kind: (created, next attempt, sent)
        "delivered-long-ago": (now - timedelta(days=40), now, now - timedelta(days=40)),
        "given-up-long-ago": (now - timedelta(days=40), "infinity", None),
        "delivered-recently": (now - timedelta(days=1), now, now - timedelta(days=1)),
        "still-due": (now - timedelta(days=40), now, None),
    }
    with engine.store.tx() as conn:
        for kind, (created, due, sent) in kinds.items():
            conn.execute(
                "INSERT INTO notifications (id, job_id, kind, body, created_at,"
                " next_attempt_at, sent_at) VALUES (gen_random_uuid(), %s, %s, '{}', %s, %s, %s)",
                (uuid.UUID(job), kind, created, due, sent),
            )
    engine.store.retention.delete_executions_older_than(now - timedelta(days=30))
    with engine.store.tx() as conn:
        left = {r["kind"] for r in conn.execute("SELECT kind FROM notifications")}
    assert left == {"delivered-recently", "still-due"}


def test_a_day_with_too_many_runs_to_keep_stays_until_a_later_run(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving many kept runs would hold the lock long: such a day keeps its partition
    (its deletable runs are deleted all the same) and is dropped by a later cleanup."""
    job = engine.create_job()
    old, part = _runs_of_an_old_day(engine, job, 4)
    with engine.store.tx() as conn:  # two of them still unfinished: they stay
        conn.execute(
            "UPDATE executions SET status = 'QUEUED', finished_at = NULL WHERE id = ANY(%s)",
            ([uuid.UUID(i) for i in old[:2]],),
        )
    monkeypatch.setattr(retention, "MAX_KEPT_TO_MOVE", 1)
    cutoff = engine.clock.now() - timedelta(days=30)
    assert engine.store.retention.delete_executions_older_than(cutoff) == 2
    assert _exists(engine, part)
    assert {engine.status(i) for i in old[:2]} == {"QUEUED"}
    monkeypatch.setattr(retention, "MAX_KEPT_TO_MOVE", 2)
    assert engine.store.retention.delete_executions_older_than(cutoff) == 0
    assert not _exists(engine, part)
    assert {engine.status(i) for i in old[:2]} == {"QUEUED"}  # now in the default partition


def test_a_day_left_detached_by_a_crash_is_dropped_by_the_next_run(engine: Engine) -> None:
    job = engine.create_job()
    _, part = _runs_of_an_old_day(engine, job, 2)
    detached = "executions_detached_" + part[-8:]
    with engine.store.tx() as conn:  # retention died between the detach and the drop
        conn.execute(q("detach_execution_partition"), {"part": part, "max_kept": 10})
    assert _exists(engine, detached) and not _exists(engine, part)
    engine.store.retention.delete_executions_older_than(engine.clock.now() - timedelta(days=30))
    assert not _exists(engine, detached)
    assert engine.service.list_executions({})["total"] == 0  # moved, then deleted as old
