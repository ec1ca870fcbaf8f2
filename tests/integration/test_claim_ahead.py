"""Runs claimed before their time (WORKER_CLAIM_AHEAD_MS, jobsched/worker_ahead.py): held
under their leases and started when due, never before; one cancelled while held never
starts; a killed worker's come back after its leases lapse, due by then; a stopping
worker gives them back to wait for their time; an earlier run queued while a worker
holds a later one starts first. No timing is asserted: recorded times are compared with
each run's due time, and a gate holds the handlers where it matters."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from handlers import register_builtins
from jobsched.clock import SystemClock
from jobsched.registry import HandlerRegistry
from jobsched.trigger import trigger
from jobsched.worker import Worker
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.also_cluster  # the claim's semantics must not change on a cluster

AHEAD_MS = 5_000


@dataclasses.dataclass
class Stamps:
    """Each test.stamp run's body start (epoch seconds, real clock), in start order."""

    started: dict[str, float] = dataclasses.field(default_factory=dict)
    order: list[str] = dataclasses.field(default_factory=list)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


@pytest.fixture
def stamps() -> Iterator[Stamps]:
    yield Stamps()


@pytest.fixture
def ahead_engine(store, queue, settings, clock, stamps: Stamps) -> Engine:
    registry = HandlerRegistry()
    register_builtins(registry)

    @registry.register("test.stamp")
    def stamp(payload, ctx):
        with stamps.lock:
            stamps.started[ctx.execution_id] = time.time()
            stamps.order.append(ctx.execution_id)
        return {}

    ahead = dataclasses.replace(
        settings,
        worker_claim_ahead_ms=AHEAD_MS,
        worker_prefetch=8,
        record_running_after_ms=60_000,
    )
    return Engine(store, queue, ahead, registry, clock)


def later(engine: Engine, job_id: str, delay_ms: int, n: int = 1) -> list[str]:
    runs = [{"delay_ms": delay_ms}] * n
    ids = [e.id for e in trigger(engine.store, job_id, engine.clock.now(), runs=runs)]
    engine.scheduler.run_once(engine.clock.now())  # pushed from the outbox
    return ids


def idle(engine: Engine, worker: Worker) -> bool:
    worker.flush(engine.clock.now())
    return not worker.running and not worker.completed


def first_start(engine: Engine, execution_id: str) -> datetime:
    (attempt,) = engine.store.executions.get(execution_id).attempts
    return attempt.started_at


def test_a_run_claimed_ahead_starts_at_its_time_never_before(
    ahead_engine: Engine, stamps: Stamps
) -> None:
    engine = ahead_engine
    (run,) = later(engine, engine.create_job(handler="test.stamp"), 500)
    worker = engine.worker()
    assert worker.run_once(engine.clock.now()) == 1
    assert len(worker.ahead) == 1 and not engine.queue.depth()["delayed"]  # claimed

    engine.clock.advance(seconds=0.499)
    worker.run_once(engine.clock.now())
    worker.flush(engine.clock.now())
    assert stamps.order == [] and engine.status(run) == "QUEUED"  # not yet due

    engine.clock.advance(seconds=0.001)
    engine.run_until(lambda: engine.status(run) == "SUCCEEDED", worker=worker)
    assert stamps.order == [run]
    execution = engine.store.executions.get(run)
    assert first_start(engine, run) >= execution.scheduled_for
    assert not any(engine.queue.depth().values())


def test_a_run_cancelled_while_held_ahead_never_starts(
    ahead_engine: Engine, stamps: Stamps
) -> None:
    engine = ahead_engine
    job = engine.create_job(handler="test.stamp")
    cancelled, other = later(engine, job, 1_000, 2)
    worker = engine.worker()
    assert worker.run_once(engine.clock.now()) == 2 and len(worker.ahead) == 2
    engine.service.cancel_execution(cancelled)
    # No heartbeat in between: the check right before the start learns of the cancel.
    engine.clock.advance(seconds=1)
    engine.run_until(
        lambda: engine.status(other) == "SUCCEEDED" and idle(engine, worker), worker=worker
    )
    assert stamps.order == [other]
    after = engine.store.executions.get(cancelled)
    assert after.status == "CANCELLED" and after.attempts == []
    assert not any(engine.queue.depth().values())  # acked away


def test_a_killed_workers_runs_held_ahead_come_back_due_and_run_once(
    ahead_engine: Engine, stamps: Stamps
) -> None:
    engine = ahead_engine
    ids = later(engine, engine.create_job(handler="test.stamp"), 2_000, 3)
    dead = engine.worker("dead")
    assert dead.run_once(engine.clock.now()) == 3 and len(dead.ahead) == 3
    alive = engine.worker("alive")

    # Its heartbeats stop (SIGKILL): past WORKER_DEAD_AFTER_MS, longer than it may hold
    # a run ahead, the tick releases them, due by then.
    engine.clock.advance(seconds=engine.settings.worker_dead_after_ms / 1000 + 1)
    alive.heartbeat(engine.clock.now())
    assert sorted(engine.scheduler.run_once(engine.clock.now()).released) == sorted(ids)
    engine.run_until(lambda: [engine.status(i) for i in ids] == ["SUCCEEDED"] * 3, worker=alive)
    assert sorted(stamps.order) == sorted(ids)  # each once
    for i in ids:
        execution = engine.store.executions.get(i)
        assert [a.worker_id for a in execution.attempts] == ["alive"]
        assert first_start(engine, i) >= execution.scheduled_for


def test_a_stopping_worker_gives_runs_held_ahead_back_to_wait_for_their_time(
    ahead_engine: Engine, stamps: Stamps
) -> None:
    engine = ahead_engine
    ids = later(engine, engine.create_job(handler="test.stamp"), 3_000, 2)
    worker = engine.worker()
    assert worker.run_once(engine.clock.now()) == 2
    worker.shutdown(grace_s=0)
    assert not worker.running and stamps.order == []
    # Delayed again (not ready: another worker would start them early), undelivered.
    depth = engine.queue.depth()
    assert (depth["delayed"], depth["ready"], depth["in_flight"]) == (2, 0, 0)
    deliveries = engine.queue.client.hmget(engine.queue.keys.deliveries, ids)
    assert [int(d or 0) for d in deliveries] == [0, 0]

    other = engine.worker("other")
    other.run_once(engine.clock.now())
    engine.clock.advance(seconds=3)
    engine.run_until(lambda: [engine.status(i) for i in ids] == ["SUCCEEDED"] * 2, worker=other)
    for i in ids:
        assert first_start(engine, i) >= engine.store.executions.get(i).scheduled_for


def test_an_earlier_run_queued_while_a_later_one_is_held_starts_first_at_its_time(
    ahead_engine: Engine, stamps: Stamps
) -> None:
    """On the real clock, with the worker's own loop and timer."""
    engine = ahead_engine
    real = SystemClock()
    job = engine.create_job(handler="test.stamp")
    worker = Worker(engine.store, engine.queue, engine.settings, engine.registry, real, "w1")
    stop = threading.Event()
    loop = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    loop.start()
    try:
        (late,) = trigger(engine.store, job, real.now(), runs=[{"delay_ms": 3_000}])
        engine.scheduler.run_once(real.now())
        wait_for(lambda: len(worker.ahead) == 1, what="the later run to be held ahead")
        (early,) = trigger(engine.store, job, real.now(), runs=[{"delay_ms": 500}])
        engine.scheduler.run_once(real.now())
        wait_for(
            lambda: all(engine.status(i) == "SUCCEEDED" for i in (early.id, late.id)),
            what="both runs to finish",
        )
    finally:
        stop.set()
        loop.join(timeout=10)
    assert stamps.order == [early.id, late.id]
    for run in (early, late):
        due = engine.store.executions.get(run.id).scheduled_for
        assert datetime.fromtimestamp(stamps.started[run.id], UTC) >= due
        assert first_start(engine, run.id) >= due


def test_no_run_is_claimed_ahead_while_runs_wait_ready(
    ahead_engine: Engine, stamps: Stamps
) -> None:
    """A run waiting now never goes behind a run due later: a claim that leaves ready
    runs behind takes nothing ahead."""
    engine = ahead_engine
    job = engine.create_job(handler="test.stamp")
    (soon,) = later(engine, job, 500)
    waiting = later(engine, job, 0, engine.settings.max_concurrent_jobs + 1)
    worker = engine.worker()
    assert worker.run_once(engine.clock.now()) == engine.settings.max_concurrent_jobs
    assert len(worker.ahead) == 0 and engine.queue.depth()["delayed"] == 1

    engine.run_until(lambda: all(engine.status(i) == "SUCCEEDED" for i in waiting), worker=worker)
    engine.clock.advance(seconds=0.5)
    engine.run_until(lambda: engine.status(soon) == "SUCCEEDED", worker=worker)
    assert stamps.order[-1] == soon
