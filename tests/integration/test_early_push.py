"""The single trigger's push sent before its write is acknowledged (jobsched/early_push.py):
Redis holds the run while its statement runs; a route that changed elsewhere, or a guard
that holds, leaves neither a row nor a queue item behind; a worker that claims a run whose
write has not landed gives it back for a moment instead of dropping it, and drops it
once it is too old to be landing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from jobsched.domain.audit import Audit
from jobsched.domain.execution_ids import new_execution_id
from jobsched.domain.models import QueueItem
from jobsched.errors import ConflictError
from jobsched.queue import RedisQueue
from jobsched.queue.redis_link import connect
from jobsched.scheduler import PUSH_GRACE
from jobsched.service import JobService
from jobsched.store.triggers import Triggers
from jobsched.trigger import trigger
from jobsched.worker_unwritten import UNWRITTEN_GRACE_S
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for


def elsewhere(engine: Engine) -> JobService:
    """The API in another process: its own routes, the same store and queue."""
    return JobService(engine.store, engine.queue, engine.registry, engine.settings, engine.clock)


def queued_ids(engine: Engine) -> set[str]:
    return set(engine.queue.ready_ids())


def test_the_push_is_in_redis_while_the_write_runs(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a job's second trigger through this process on, its run's queue item is sent
    before the statement and answered after it: Redis runs it while PostgreSQL writes."""
    job_id = engine.create_job(priority=30)
    first = engine.service.trigger_job(job_id, None)  # learns the job's route
    held_while_writing: list[set[str]] = []
    write = Triggers.write_triggered_unread

    def watched(*args: Any, **kwargs: Any) -> Any:
        # The push was written to Redis before the statement; another connection sees
        # it once Redis has run it (its reply is read after the statement). Without the
        # early push it would never be there before the write returns.
        wait_for(lambda: second_id(args) in queued_ids(engine), timeout=2, what="the push")
        held_while_writing.append(queued_ids(engine))
        return write(*args, **kwargs)

    def second_id(args: tuple[Any, ...]) -> str:
        return str(args[2][0])  # (conn, job_id, ids, ...)

    monkeypatch.setattr(Triggers, "write_triggered_unread", staticmethod(watched))
    second = engine.service.trigger_job(job_id, {"priority": 80})
    assert second["id"] in held_while_writing[0]
    assert queued_ids(engine) == {first["id"], second["id"]}
    assert engine.queue.ready_ids()[0] == second["id"]  # pushed with its own priority
    assert engine.status(second["id"]) == "QUEUED"


def test_a_route_changed_elsewhere_writes_the_run_as_the_job_stands_and_one_item(
    engine: Engine,
) -> None:
    """Another process moves the job to another priority and cap: this process's next
    trigger pushed with the old route, its statement finds it stale and writes nothing,
    the pushed item is taken back, and the run is written and pushed as the job stands."""
    job_id = engine.create_job(priority=10)
    first = engine.service.trigger_job(job_id, None)
    elsewhere(engine).update_job(job_id, {"priority": 90, "max_concurrency": 1})
    second = engine.service.trigger_job(job_id, None)
    assert second["priority"] == 90
    assert engine.store.executions.get(second["id"]).priority == 90
    assert queued_ids(engine) == {first["id"], second["id"]}  # no stray item
    assert engine.queue.ready_ids()[0] == second["id"]  # pushed at 90, not at 10
    with engine.store.tx() as conn:
        n = conn.execute("SELECT count(*) AS n FROM executions WHERE job_id = %s", (job_id,))
        assert n.fetchone()["n"] == 2
    third = engine.service.trigger_job(job_id, None)  # the route is learned again
    assert engine.queue.ready_ids()[:2] == [second["id"], third["id"]]


def test_a_guard_that_holds_leaves_no_item_in_redis(engine: Engine) -> None:
    """The job paused by another process: the early push is taken back and the trigger is
    refused as always; Redis holds only what it held."""
    job_id = engine.create_job()
    first = engine.service.trigger_job(job_id, None)
    elsewhere(engine).pause_job(job_id)
    with pytest.raises(ConflictError, match="paused"):
        engine.service.trigger_job(job_id, None)
    assert queued_ids(engine) == {first["id"]}
    assert engine.queue.depth() == {"ready": 1, "in_flight": 0, "delayed": 0}


def test_a_write_that_raised_leaves_its_push_for_the_worker_to_judge(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statement that raised may have committed (its answer lost on the way back):
    the pushed item is not taken back (that could stop a run already started). With no
    row, a worker gives it back while its write could still land, and drops it after;
    nothing runs for it."""
    job_id = engine.create_job()
    first = engine.service.trigger_job(job_id, None)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the statement failed")

    with monkeypatch.context() as patch:
        patch.setattr(Triggers, "write_triggered_unread", staticmethod(broken))
        with pytest.raises(RuntimeError):
            engine.service.trigger_job(job_id, None)
    (phantom,) = queued_ids(engine) - {first["id"]}
    worker = engine.worker()
    engine.run_until(lambda: engine.status(first["id"]) == "SUCCEEDED", worker=worker)
    assert engine.queue.depth()["delayed"] == 1  # the phantom, given back for a moment
    engine.clock.advance(seconds=UNWRITTEN_GRACE_S + 5)
    engine.run_until(lambda: not any(engine.queue.depth().values()), worker=worker)
    with engine.store.tx() as conn:
        n = conn.execute("SELECT count(*) AS n FROM executions WHERE job_id = %s", (job_id,))
        assert n.fetchone()["n"] == 1
    assert phantom not in queued_ids(engine)


def test_a_guard_or_a_stale_route_takes_the_push_back_at_once(
    engine: Engine,
) -> None:
    """What surely wrote nothing (the statement answered so) leaves nothing in Redis."""
    job_id = engine.create_job()
    first = engine.service.trigger_job(job_id, None)
    elsewhere(engine).update_job(job_id, {"priority": 77})
    elsewhere(engine).pause_job(job_id)
    with pytest.raises(ConflictError):
        engine.service.trigger_job(job_id, None)
    assert engine.queue.depth() == {"ready": 1, "in_flight": 0, "delayed": 0}
    assert queued_ids(engine) == {first["id"]}


def _pushed_unwritten(engine: Engine, job_id: str, due_ago_s: float) -> str:
    """A run's queue item in Redis with no row yet, as an early push leaves it."""
    due = engine.clock.now() - timedelta(seconds=due_ago_s)
    run_id = str(new_execution_id(due))
    item = QueueItem(run_id, 50, "default", job_id, None, "test.echo")
    engine.queue.enqueue_delayed([(item, None)], engine.clock.now())
    return run_id


def test_a_run_claimed_before_its_write_lands_runs_once_it_has(engine: Engine) -> None:
    job_id = engine.create_job()
    run_id = _pushed_unwritten(engine, job_id, 0)
    worker = engine.worker()
    assert worker.run_once(engine.clock.now()) == 0  # claimed: no row yet
    # Given back to wait a moment, its claim not counted: not acked away.
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 1}
    # The write lands (the trigger's statement, with the id it pushed).
    with engine.store.statement() as conn:
        written = Triggers.write_triggered_unread(
            conn,
            uuid.UUID(job_id),
            [uuid.UUID(run_id)],
            [engine.clock.now()],
            [{}],
            "QUEUED",
            engine.clock.now(),
            ("PAUSED",),
            None,
            None,
        )
    assert written is not None and written.written
    engine.clock.advance(seconds=1)
    engine.run_until(lambda: engine.status(run_id) == "SUCCEEDED", worker=worker)
    assert len(engine.store.executions.get(run_id).attempts) == 1


def test_a_run_claimed_long_after_its_due_with_no_row_is_dropped(engine: Engine) -> None:
    """Past the grace no write can be landing: dropped like a deleted run; and one
    finished meanwhile is dropped at once, however young."""
    job_id = engine.create_job()
    _pushed_unwritten(engine, job_id, UNWRITTEN_GRACE_S + 5)  # no write can be landing
    done = trigger(engine.store, job_id, engine.clock.now(), audit=Audit("k", "trigger"))[0]
    engine.service.cancel_execution(done.id)
    item = QueueItem(done.id, 50, "default", job_id, None, "test.echo")
    engine.queue.enqueue_delayed([(item, None)], engine.clock.now())
    worker = engine.worker()
    assert worker.run_once(engine.clock.now()) == 0
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}
    assert engine.store.executions.get(done.id).status == "CANCELLED"


def test_with_redis_unreachable_a_trigger_tries_it_once_and_the_tick_pushes_the_run(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The early push cannot reach Redis: the run is written all the same, with no
    second try after the write (it would wait as long again), and the tick's repair
    pushes it once Redis is back, as after any lost push."""
    dead = RedisQueue(connect("redis://127.0.0.1:1/0"), engine.queue.keys.prefix)
    service = JobService(engine.store, dead, engine.registry, engine.settings, engine.clock)
    job_id = engine.create_job()
    first = service.trigger_job(job_id, None)  # the usual order: written, push failed
    tries: list[str] = []
    send, enqueue = RedisQueue.send_enqueue, RedisQueue.enqueue_delayed
    monkeypatch.setattr(
        RedisQueue, "send_enqueue", lambda *a, **k: tries.append("early") or send(*a, **k)
    )
    monkeypatch.setattr(
        RedisQueue, "enqueue_delayed", lambda *a, **k: tries.append("after") or enqueue(*a, **k)
    )
    second = service.trigger_job(job_id, None)
    assert tries == ["early"]
    assert engine.status(first["id"]) == engine.status(second["id"]) == "QUEUED"
    monkeypatch.undo()
    engine.clock.advance(seconds=PUSH_GRACE.total_seconds() + 1)
    engine.scheduler.run_once(engine.clock.now())
    assert queued_ids(engine) == {first["id"], second["id"]}


def test_a_finished_debounced_run_delivered_again_is_dropped_at_once(engine: Engine) -> None:
    """A debounce join moves its run's time past the one its id carries. Its row is
    there all the same: claimed again once it has finished, it is dropped like any
    finished run, not given back as one whose write may still land."""
    job_id = engine.create_job(debounce={"key": "k", "delay_ms": 1000})
    first = engine.service.trigger_job(job_id, {"payload": {"v": 1}})
    engine.clock.advance(seconds=0.5)
    joined = engine.service.trigger_job(job_id, {"payload": {"v": 2}})
    assert joined["id"] == first["id"]
    assert joined["scheduled_for"] != first["scheduled_for"]  # moved: not the id's time
    engine.clock.advance(seconds=2)
    worker = engine.worker()
    engine.run_until(lambda: engine.status(first["id"]) == "SUCCEEDED", worker=worker)
    item = QueueItem(first["id"], 50, "default", job_id, None, "test.echo")
    engine.queue.enqueue_delayed([(item, None)], engine.clock.now())  # delivered again
    assert worker.run_once(engine.clock.now()) == 0
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}
