"""Short runs written once: claimed and run without a write, recorded QUEUED -> final
when they end; a run that outlives RECORD_RUNNING_AFTER_MS is recorded RUNNING. And
the races a run nobody has recorded yet can be in: a stale worker's late result, a
cancel, Redis lost and rebuilt meanwhile.

The workers here use a threshold (the in-process default of the suite records every
start, tests/conftest.py); the fake clock drives leases, real time the threshold."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jobsched.trigger import trigger
from jobsched.worker import Worker
from tests.integration.engine import Engine
from tests.integration.helpers import tick_after_redis_loss, wait_for

LONG = {"handler": "test.delay", "payload": {"durationMs": 60_000}}


def worker(engine: Engine, worker_id: str = "w1", after_ms: int = 60_000) -> Worker:
    """A worker that records a run RUNNING only after ``after_ms`` of real time."""
    settings = replace(engine.settings, record_running_after_ms=after_ms)
    w = Worker(engine.store, engine.queue, settings, engine.registry, engine.clock, worker_id)
    engine.workers.append(w)
    return w


def queued(engine: Engine, **job: object) -> str:
    job_id = engine.create_job(**job)
    (execution,) = trigger(engine.store, job_id, engine.clock.now())
    engine.scheduler.run_once(engine.clock.now())  # pushed, marked QUEUED, counters folded
    return execution.id


def finished(w: Worker) -> bool:
    """The worker's handlers are all done (results not necessarily recorded)."""
    with w._lock:
        return all(r.done for r in w.running.values())


def ever_running(engine: Engine) -> int:
    """Rows that moved into RUNNING since the counters were last folded (each status
    change leaves a delta: jobsched/store/sql/migrations/0008_flat_cost.sql)."""
    with engine.store.tx() as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM execution_count_deltas WHERE status = 'RUNNING'"
            " AND delta > 0"
        ).fetchone()["n"]


def test_a_short_run_is_written_once_with_its_whole_record(engine: Engine) -> None:
    eid = queued(engine, payload={"hello": "world"})
    w = worker(engine)
    assert w.run_once(engine.clock.now()) == 1
    assert engine.status(eid) == "QUEUED"  # started: nothing written
    wait_for(lambda: finished(w))
    assert w.flush(engine.clock.now()) == 1
    e = engine.store.executions.get(eid)
    assert e.status == "SUCCEEDED" and e.result == {"hello": "world"}
    assert e.worker_id == "w1" and e.attempt == 1
    assert e.started_at is not None and e.finished_at is not None and e.queued_at is not None
    (attempt,) = e.attempts
    assert (attempt.number, attempt.worker_id, attempt.outcome) == (1, "w1", "SUCCEEDED")
    assert ever_running(engine) == 0  # never RUNNING, not even for a moment
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}


def test_a_short_failure_is_written_once_and_retried(engine: Engine) -> None:
    eid = queued(
        engine, handler="test.delay", payload={"durationMs": 0, "shouldFail": True}, max_retries=1
    )
    w = worker(engine)
    w.run_once(engine.clock.now())
    wait_for(lambda: finished(w))
    w.flush(engine.clock.now())
    e = engine.store.executions.get(eid)
    assert e.status == "RETRYING" and e.next_attempt_at is not None and e.attempt == 1
    assert [a.outcome for a in e.attempts] == ["FAILED"]
    assert engine.queue.depth()["delayed"] == 1
    assert ever_running(engine) == 0


def test_a_long_run_is_seen_running_while_it_runs(engine: Engine) -> None:
    eid = queued(engine, **LONG)
    w = worker(engine, after_ms=100)
    w.run_once(engine.clock.now())
    assert engine.status(eid) == "QUEUED"

    def recorded() -> bool:
        w.run_once(engine.clock.now())  # the main loop records it once it runs long
        return engine.status(eid) == "RUNNING"

    wait_for(recorded, timeout=10)
    e = engine.store.executions.get(eid)
    assert e.worker_id == "w1" and e.started_at is not None and e.attempt == 1
    (row,) = engine.store.attempts.lock_running([eid])
    assert row["lease_token"] == w.running[eid].token  # the tick's rebuild restores this lease
    assert [a.outcome for a in e.attempts] == [None]  # open
    w.shutdown(grace_s=0)  # handed back, recorded as such
    e = engine.store.executions.get(eid)
    assert e.status == "QUEUED" and [a.outcome for a in e.attempts] == ["HANDED_BACK"]


@pytest.mark.parametrize("second_records_running", [True, False], ids=["long", "short"])
def test_a_stale_short_result_is_refused_once_the_run_was_claimed_again(
    engine: Engine, second_records_running: bool
) -> None:
    eid = queued(engine)
    stale = worker(engine, "stale")
    stale.run_once(engine.clock.now())
    wait_for(lambda: finished(stale))  # done, but frozen before it could record
    # Its lease lapses; the tick returns the run and another worker claims it.
    engine.clock.advance(seconds=engine.settings.visibility_timeout_ms / 1000 + 1)
    assert engine.scheduler.run_once(engine.clock.now()).expired == [eid]
    fresh = worker(engine, "fresh", after_ms=0 if second_records_running else 60_000)
    assert fresh.run_once(engine.clock.now()) == 1
    if second_records_running:
        assert engine.store.executions.get(eid).worker_id == "fresh"  # RUNNING, its token
    else:
        wait_for(lambda: finished(fresh))
        fresh.flush(engine.clock.now())  # written once, by the current holder
    stale.flush(engine.clock.now())
    assert stale.stats.stale == 1 and stale.stats.succeeded == 0
    if second_records_running:
        wait_for(lambda: finished(fresh))
        fresh.flush(engine.clock.now())
    e = engine.store.executions.get(eid)
    assert e.status == "SUCCEEDED" and e.worker_id == "fresh"
    assert [(a.worker_id, a.outcome) for a in e.attempts] == [("fresh", "SUCCEEDED")]


def test_the_first_short_result_wins_and_a_later_one_is_refused(engine: Engine) -> None:
    """Two holders of one run (the first one's lease lapsed), neither recorded: the first
    result written is the run's; the other worker's is refused and acked away."""
    eid = queued(engine)
    first = worker(engine, "first")
    first.run_once(engine.clock.now())
    wait_for(lambda: finished(first))
    engine.clock.advance(seconds=engine.settings.visibility_timeout_ms / 1000 + 1)
    engine.scheduler.run_once(engine.clock.now())
    second = worker(engine, "second")
    second.run_once(engine.clock.now())
    wait_for(lambda: finished(second))
    first.flush(engine.clock.now())  # late, but nobody recorded the run since it read it
    second.flush(engine.clock.now())
    assert (first.stats.succeeded, second.stats.stale) == (1, 1)
    e = engine.store.executions.get(eid)
    assert e.status == "SUCCEEDED" and [a.worker_id for a in e.attempts] == ["first"]
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}


def test_cancelling_a_claimed_short_run_reaches_it(engine: Engine) -> None:
    eid = queued(engine, handler="test.delay", payload={"durationMs": 30_000})
    w = worker(engine)
    w.run_once(engine.clock.now())
    assert engine.status(eid) == "QUEUED"  # claimed, running, not recorded
    engine.service.cancel_execution(eid)
    assert engine.status(eid) == "CANCELLED"
    w.heartbeat(engine.clock.now())  # learns of it from the Redis cancel set
    wait_for(lambda: w.flush(engine.clock.now()) or not w.running, timeout=10)
    e = engine.store.executions.get(eid)
    assert e.status == "CANCELLED"
    # Nothing of the run was written before the cancel; its attempt is in its history.
    (attempt,) = e.attempts
    assert (attempt.number, attempt.worker_id, attempt.outcome) == (1, "w1", "CANCELLED")
    assert attempt.started_at is not None and attempt.finished_at is not None
    assert e.attempt == 1 and e.worker_id == "w1" and w.stats.cancelled == 1
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}
    counts = engine.store.stats.counts()["executions"]
    assert counts.get("CANCELLED") == 1 and not counts.get("QUEUED")


def test_a_cancelled_short_runs_attempt_is_not_added_once_it_was_retried(
    engine: Engine,
) -> None:
    eid = queued(engine, handler="test.delay", payload={"durationMs": 30_000})
    w = worker(engine)
    w.run_once(engine.clock.now())
    engine.service.cancel_execution(eid)
    w.heartbeat(engine.clock.now())  # the handler is told to stop
    engine.service.retry_execution(eid)  # and the user runs it again meanwhile
    wait_for(lambda: w.flush(engine.clock.now()) or not w.running, timeout=10)
    e = engine.store.executions.get(eid)
    assert e.status in ("PENDING", "QUEUED") and e.attempts == [] and e.attempt == 0
    assert w.stats.cancelled == 0


def test_a_short_result_is_refused_after_a_cancel_and_a_manual_retry(engine: Engine) -> None:
    """Cancel and retry leave the run QUEUED at the same attempt, as the first worker
    read it: the retry must still make that worker's late result stale."""
    eid = queued(engine, handler="test.delay", payload={"durationMs": 500})
    w = worker(engine)
    w.run_once(engine.clock.now())
    engine.service.cancel_execution(eid)
    engine.service.retry_execution(eid)
    assert engine.status(eid) == "QUEUED"
    wait_for(lambda: finished(w), timeout=10)
    w.flush(engine.clock.now())
    e = engine.store.executions.get(eid)
    assert e.status == "QUEUED" and e.result is None and w.stats.succeeded == 0
    other = worker(engine, "other")
    assert other.run_once(engine.clock.now()) == 1  # the retried run, run anew
    wait_for(lambda: (other.flush(engine.clock.now()), engine.status(eid) == "SUCCEEDED")[1])


def test_a_run_taken_over_before_it_was_recorded_is_stopped(engine: Engine) -> None:
    eid = queued(engine, **LONG)
    w = worker(engine, after_ms=100)
    w.run_once(engine.clock.now())
    engine.service.cancel_execution(eid)  # the row changes before it runs long
    wait_for(lambda: (w.run_once(engine.clock.now()), w.running[eid].lease_lost)[1])
    assert w.running[eid].ctx.cancelled.is_set()
    assert engine.status(eid) == "CANCELLED"


def test_redis_lost_while_a_short_run_was_in_flight(engine: Engine) -> None:
    """The rebuild pushes the run again (PostgreSQL says QUEUED); the result is
    recorded once, and the pushed copy is dropped when claimed."""
    eid = queued(engine)
    w = worker(engine)
    w.run_once(engine.clock.now())
    wait_for(lambda: finished(w))
    client = engine.queue.client
    for key in client.scan_iter(match=f"*{engine.queue.prefix}*"):
        client.delete(key)
    tick_after_redis_loss(engine.scheduler, engine.clock)
    assert engine.queue.depth()["ready"] == 1  # rebuilt from PostgreSQL
    w.flush(engine.clock.now())
    assert engine.status(eid) == "SUCCEEDED" and w.stats.succeeded == 1
    other = worker(engine, "other")
    assert other.run_once(engine.clock.now()) == 0  # finished: acked away, not run
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}
    assert len(engine.store.executions.get(eid).attempts) == 1


def test_an_id_in_the_queue_that_is_no_uuid_is_dropped_and_its_batch_runs(
    engine: Engine,
) -> None:
    """Something else wrote a malformed id into the queue: the claim that takes it must
    still start the real runs beside it, and the bad entry leaves the queue."""
    eid = queued(engine)
    engine.queue.enqueue([("not-a-uuid\x00", 100), ("7" * 36, 100)], engine.clock.now())
    w = worker(engine)
    assert w.run_once(engine.clock.now()) == 1
    wait_for(lambda: finished(w))
    w.flush(engine.clock.now())
    assert engine.status(eid) == "SUCCEEDED"
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}
