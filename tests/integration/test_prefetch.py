"""Runs claimed ahead of free slots (WORKER_PREFETCH, jobsched/worker_prefetch.py): they
start in claim order (a later higher-priority run waits behind at most them), count as
in flight for a job's cap, come back from a killed worker like running ones, are dropped
unrun if cancelled while they wait, and go back without a delivery when the worker stops.
No timing is asserted: a gate holds the handlers until the test opens it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import pytest

from handlers import register_builtins
from jobsched.registry import HandlerRegistry
from jobsched.trigger import trigger
from jobsched.worker import Worker
from tests.integration.engine import Engine
from tests.integration.helpers import tick_after_redis_loss, wait_for

pytestmark = pytest.mark.also_cluster  # the claim's semantics must not change on a cluster

PREFETCH = 2


@dataclasses.dataclass
class Gate:
    """Holds test.gate runs until opened; notes their order and the most of one job at once."""

    open: threading.Event = dataclasses.field(default_factory=threading.Event)
    started: list[str] = dataclasses.field(default_factory=list)
    now: dict[str, int] = dataclasses.field(default_factory=dict)
    most: dict[str, int] = dataclasses.field(default_factory=dict)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


@pytest.fixture
def gate() -> Iterator[Gate]:
    g = Gate()
    yield g
    g.open.set()  # never leave a handler thread waiting


@pytest.fixture
def prefetch_engine(store, queue, settings, clock, gate: Gate) -> Engine:
    """One slot per worker, two runs held ahead, runs written once (prefetch on)."""
    registry = HandlerRegistry()
    register_builtins(registry)

    @registry.register("test.gate")
    def gated(payload, ctx):
        with gate.lock:
            gate.started.append(ctx.execution_id)
            gate.now[ctx.job_id] = gate.now.get(ctx.job_id, 0) + 1
            gate.most[ctx.job_id] = max(gate.most.get(ctx.job_id, 0), gate.now[ctx.job_id])
        try:
            while not gate.open.is_set():
                ctx.sleep(0.01)  # raises once the run is cancelled or its lease lost
        finally:
            with gate.lock:
                gate.now[ctx.job_id] -= 1
        return {}

    prefetching = dataclasses.replace(
        settings, max_concurrent_jobs=1, worker_prefetch=PREFETCH, record_running_after_ms=60_000
    )
    return Engine(store, queue, prefetching, registry, clock)


def busy(worker: Worker) -> Worker:
    """As if the worker had just finished a busy second: it may hold its full prefetch."""
    worker.prefetch.finished(PREFETCH)
    return worker


def queued(engine: Engine, job_id: str, n: int) -> list[str]:
    ids = [e.id for e in trigger(engine.store, job_id, engine.clock.now(), runs=[{}] * n)]
    engine.scheduler.run_once(engine.clock.now())  # pushed from the outbox
    return ids


def idle(engine: Engine, worker: Worker) -> bool:
    worker.flush(engine.clock.now())
    return not worker.running and not worker.completed


def statuses(engine: Engine, ids: list[str]) -> list[str]:
    return [engine.status(i) for i in ids]


def test_a_later_higher_priority_run_waits_behind_at_most_the_prefetched_runs(
    prefetch_engine: Engine, gate: Gate
) -> None:
    engine = prefetch_engine
    low = queued(engine, engine.create_job(handler="test.gate", priority=10), 5)
    worker = busy(engine.worker())
    assert worker.run_once(engine.clock.now()) == 1 + PREFETCH
    assert [r.execution.id for r in worker.prefetch.waiting] == low[1 : 1 + PREFETCH]
    assert engine.queue.ready_ids() == low[1 + PREFETCH :]

    (high,) = queued(engine, engine.create_job(handler="test.gate", priority=90), 1)
    gate.open.set()
    engine.run_until(
        lambda: statuses(engine, [*low, high]) == ["SUCCEEDED"] * 6 and idle(engine, worker),
        worker=worker,
    )
    # The prefetched runs were already this worker's; the later high-priority run
    # went before everything still in the queue.
    assert gate.started == [*low[: 1 + PREFETCH], high, *low[1 + PREFETCH :]]


def test_a_prefetched_run_counts_as_in_flight_for_its_jobs_cap(
    prefetch_engine: Engine, gate: Gate
) -> None:
    engine = prefetch_engine
    capped = engine.create_job(handler="test.gate", max_concurrency=1)
    ids = queued(engine, capped, 3)
    first, second = busy(engine.worker("w1")), busy(engine.worker("w2"))
    assert first.run_once(engine.clock.now()) == 1  # the other two are parked, not held
    assert second.run_once(engine.clock.now()) == 0
    assert not first.prefetch.waiting and len(first.running) == 1

    gate.open.set()
    wait_for(
        lambda: (
            [w.run_once(engine.clock.now()) for w in (busy(first), busy(second))]
            and all(idle(engine, w) for w in (first, second))
            and statuses(engine, ids) == ["SUCCEEDED"] * 3
        ),
        what="the capped runs to finish one at a time",
    )
    assert gate.most[capped] == 1


def test_a_killed_workers_prefetched_runs_are_released_like_its_running_one(
    prefetch_engine: Engine, gate: Gate
) -> None:
    engine = prefetch_engine
    ids = queued(engine, engine.create_job(handler="test.gate"), 1 + PREFETCH)
    dead = busy(engine.worker("dead"))
    assert dead.run_once(engine.clock.now()) == 1 + PREFETCH
    dead.heartbeat(engine.clock.now())
    alive = engine.worker("alive")

    # Its heartbeats stop (SIGKILL): past WORKER_DEAD_AFTER_MS the tick releases every
    # lease it held, the two it never started too, long before the visibility timeout.
    engine.clock.advance(seconds=engine.settings.worker_dead_after_ms / 1000 + 1)
    alive.heartbeat(engine.clock.now())
    assert sorted(engine.scheduler.run_once(engine.clock.now()).released) == sorted(ids)
    assert sorted(engine.queue.ready_ids()) == sorted(ids)
    assert statuses(engine, ids) == ["QUEUED"] * 3

    dead.heartbeat(engine.clock.now())  # it was only frozen: it learns, and lets go
    wait_for(lambda: idle(engine, dead), timeout=5, what="the frozen worker to let go")
    assert dead.stats.lease_lost == 1 + PREFETCH
    gate.open.set()
    engine.run_until(lambda: statuses(engine, ids) == ["SUCCEEDED"] * 3, worker=alive)
    assert {a.worker_id for i in ids for a in engine.store.executions.get(i).attempts} == {"alive"}


def test_runs_held_ahead_when_redis_lost_the_queue_run_once(
    prefetch_engine: Engine, gate: Gate
) -> None:
    """Redis restarted empty: the runs a worker held ahead are QUEUED in PostgreSQL, so
    the rebuild pushes them again; the worker's heartbeat finds their leases gone and
    drops them before the rebuild (which waits REBUILD_WAIT for it), and each runs once."""
    engine = prefetch_engine
    ids = queued(engine, engine.create_job(handler="test.gate"), 1 + PREFETCH)
    holder = busy(engine.worker("holder"))
    assert holder.run_once(engine.clock.now()) == 1 + PREFETCH
    wait_for(lambda: len(gate.started) == 1, timeout=5, what="the first run to start")
    waiting = [i for i in ids if i not in gate.started]
    for key in engine.queue.client.scan_iter(match=f"*{engine.queue.keys.prefix}*"):
        engine.queue.client.delete(key)

    assert engine.scheduler.run_once(engine.clock.now()).rebuilt == 0  # not yet
    holder.heartbeat(engine.clock.now())  # learns the runs it held ahead are gone
    tick_after_redis_loss(engine.scheduler, engine.clock)
    other = engine.worker("other")
    gate.open.set()
    engine.run_until(lambda: statuses(engine, ids) == ["SUCCEEDED"] * 3, worker=other)
    wait_for(lambda: idle(engine, holder), timeout=5, what="the holder to let go")
    # Those it held ahead ran once, elsewhere. (The one it had started, never recorded
    # RUNNING here, is pushed again too: the window RECORD_RUNNING_AFTER_MS bounds.)
    assert [gate.started.count(i) for i in waiting] == [1] * PREFETCH
    assert holder.stats.lease_lost >= PREFETCH


def test_a_run_cancelled_while_prefetched_is_dropped_unrun(
    prefetch_engine: Engine, gate: Gate
) -> None:
    engine = prefetch_engine
    running, cancelled, other = queued(engine, engine.create_job(handler="test.gate"), 3)
    worker = busy(engine.worker())
    assert worker.run_once(engine.clock.now()) == 3
    engine.service.cancel_execution(cancelled)
    worker.heartbeat(engine.clock.now())  # learns of the cancel while the run waits
    gate.open.set()
    engine.run_until(
        lambda: statuses(engine, [running, other]) == ["SUCCEEDED"] * 2 and idle(engine, worker),
        worker=worker,
    )
    assert cancelled not in gate.started
    after = engine.store.executions.get(cancelled)
    assert after.status == "CANCELLED" and after.attempts == []
    assert not any(engine.queue.depth().values())  # acked away


def test_a_stopping_worker_hands_its_prefetched_runs_back_undelivered(
    prefetch_engine: Engine, gate: Gate
) -> None:
    engine = prefetch_engine
    started, *waiting = queued(engine, engine.create_job(handler="test.gate"), 1 + PREFETCH)
    worker = busy(engine.worker())
    assert worker.run_once(engine.clock.now()) == 1 + PREFETCH
    wait_for(lambda: gate.started == [started], what="the first run to start")
    worker.shutdown(grace_s=0)
    assert not worker.running
    assert statuses(engine, [started, *waiting]) == ["QUEUED"] * 3
    # Back at the front of their priority; the started one counts a delivery.
    assert sorted(engine.queue.ready_ids()) == sorted([started, *waiting])
    deliveries = engine.queue.client.hmget(engine.queue.keys.deliveries, [started, *waiting])
    assert [int(d or 0) for d in deliveries] == [1, 0, 0]
    assert gate.started == [started]
    assert [e.attempts for e in map(engine.store.executions.get, waiting)] == [[], []]
