"""Leases: a worker that lost one stops; a dead worker's are released from its missing
heartbeats; a run made claimable again is pushed at once. Time is a fake clock."""

from __future__ import annotations

import pytest

from handlers import register_builtins
from jobsched.registry import HandlerRegistry
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import tick_after_redis_loss, wait_for

pytestmark = pytest.mark.also_cluster  # queue semantics must not change on a cluster


def running_on(engine: Engine, execution_id: str, worker_id: str) -> bool:
    e = engine.store.executions.get(execution_id)
    return e.status == "RUNNING" and e.worker_id == worker_id


def idle(engine: Engine, worker) -> bool:
    """The worker stopped and let go of everything it held."""
    worker.flush(engine.clock.now())
    return not worker.running and not worker.completed


def start_long_run(engine: Engine, worker_id: str = "w1", **job: object):
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 60_000}, **job)
    (execution,) = trigger(engine.store, job_id, engine.clock.now())
    engine.scheduler.run_once(engine.clock.now())
    worker = engine.worker(worker_id)
    assert worker.run_once(engine.clock.now()) == 1
    worker.heartbeat(engine.clock.now())
    return execution, worker


# ----------------------------------------------------------------- defect 6


def test_a_worker_that_lost_its_lease_stops_the_run_and_discards_its_result(
    engine: Engine,
) -> None:
    execution, old = start_long_run(engine)
    # The old holder goes quiet past the visibility timeout (a long GC pause, a
    # partition); the tick returns the run and another worker takes it.
    engine.clock.advance(seconds=engine.settings.visibility_timeout_ms / 1000 + 1)
    assert engine.scheduler.run_once(engine.clock.now()).expired == [execution.id]
    new = engine.worker("w2")
    assert new.run_once(engine.clock.now()) == 1
    assert running_on(engine, execution.id, "w2")

    old.heartbeat(engine.clock.now())  # learns the lease is gone
    wait_for(lambda: idle(engine, old), timeout=5, what="the old holder to stop")
    assert old.stats.lease_lost == 1
    after = engine.store.executions.get(execution.id)
    assert after.status == "RUNNING" and after.worker_id == "w2"
    assert [(a.worker_id, a.outcome) for a in after.attempts] == [("w1", "LOST"), ("w2", None)]
    # The new holder's lease was not touched by the old one.
    assert new.queue.extend(
        [(execution.id, new.running[execution.id].token)],
        engine.clock.now(),
        engine.settings.visibility_timeout_ms,
    ) == {execution.id: 1}
    engine.service.cancel_execution(execution.id)
    new.heartbeat(engine.clock.now())
    wait_for(lambda: idle(engine, new), timeout=5, what="cancel reaching w2")


def test_a_heartbeat_while_redis_is_empty_does_not_stop_the_run(engine: Engine) -> None:
    execution, worker = start_long_run(engine)
    for key in engine.queue.client.scan_iter(match=f"*{engine.queue.keys.prefix}*"):
        engine.queue.client.delete(key)
    worker.heartbeat(engine.clock.now())  # Redis knows nothing yet: not a lost lease
    tick_after_redis_loss(engine.scheduler, engine.clock)  # rebuilt under the recorded token
    worker.heartbeat(engine.clock.now())
    run = worker.running[execution.id]
    assert not run.ctx.cancelled.is_set()
    assert running_on(engine, execution.id, "w1")
    engine.service.cancel_execution(execution.id)
    worker.heartbeat(engine.clock.now())
    wait_for(lambda: idle(engine, worker), timeout=5)
    assert engine.status(execution.id) == "CANCELLED"


# ----------------------------------------------------------------- defect 7


@pytest.fixture
def flaky_engine(store, queue, settings, clock) -> Engine:
    """test.flaky hangs (until stopped) on its first attempt and fails on later ones."""
    registry = HandlerRegistry()
    register_builtins(registry)

    @registry.register("test.flaky")
    def flaky(payload, ctx):
        if ctx.attempt == 1:
            ctx.sleep(60)
        raise RuntimeError("boom")

    return Engine(store, queue, settings, registry, clock)


def test_a_dead_workers_leases_are_released_once_its_heartbeats_stop(
    flaky_engine: Engine,
) -> None:
    engine = flaky_engine
    dead_after_s = engine.settings.worker_dead_after_ms / 1000
    assert dead_after_s < engine.settings.visibility_timeout_ms / 1000
    job_id = engine.create_job(handler="test.flaky", max_retries=1)
    (execution,) = trigger(engine.store, job_id, engine.clock.now())
    engine.scheduler.run_once(engine.clock.now())
    dead = engine.worker("dead")
    assert dead.run_once(engine.clock.now()) == 1
    dead.heartbeat(engine.clock.now())
    alive = engine.worker("alive")

    # Heartbeats stop (SIGKILL). Until the threshold, the lease is left alone...
    engine.clock.advance(seconds=dead_after_s - 1)
    alive.heartbeat(engine.clock.now())
    assert engine.scheduler.run_once(engine.clock.now()).released == []
    assert running_on(engine, execution.id, "dead")
    # ...then released at once, long before the visibility timeout.
    engine.clock.advance(seconds=2)
    assert engine.scheduler.run_once(engine.clock.now()).released == [execution.id]
    assert engine.queue.ready_ids() == [execution.id]

    # The lost attempt counts as a delivery, not as a retry: the failing second
    # attempt still has its one retry left.
    assert alive.run_once(engine.clock.now()) == 1
    wait_for(lambda: alive.flush(engine.clock.now()) and not alive.running, timeout=5)
    after = engine.store.executions.get(execution.id)
    assert after.status == "RETRYING"
    assert [(a.worker_id, a.outcome) for a in after.attempts] == [
        ("dead", "LOST"),
        ("alive", "FAILED"),
    ]
    dead.heartbeat(engine.clock.now())  # the "dead" one was only frozen: it stops
    wait_for(lambda: idle(engine, dead), timeout=5)
    assert engine.store.executions.get(execution.id).status == "RETRYING"


def test_a_worker_that_keeps_heartbeating_keeps_its_leases(engine: Engine) -> None:
    execution, worker = start_long_run(engine)
    for _ in range(4):
        engine.clock.advance(seconds=engine.settings.worker_dead_after_ms / 1000 - 1)
        worker.heartbeat(engine.clock.now())
        assert engine.scheduler.run_once(engine.clock.now()).released == []
    assert running_on(engine, execution.id, "w1")
    assert not worker.running[execution.id].ctx.cancelled.is_set()
    engine.service.cancel_execution(execution.id)
    worker.heartbeat(engine.clock.now())
    wait_for(lambda: idle(engine, worker), timeout=5)


def test_a_worker_that_died_while_redis_was_empty_has_its_restored_leases_released(
    engine: Engine,
) -> None:
    execution, dead = start_long_run(engine, worker_id="dead")
    for key in engine.queue.client.scan_iter(match=f"*{engine.queue.keys.prefix}*"):
        engine.queue.client.delete(key)
    assert tick_after_redis_loss(engine.scheduler, engine.clock).rebuilt == 1  # its token
    engine.clock.advance(seconds=engine.settings.worker_dead_after_ms / 1000 + 1)
    assert engine.scheduler.run_once(engine.clock.now()).released == [execution.id]
    rescuer = engine.worker("rescuer")
    assert rescuer.run_once(engine.clock.now()) == 1
    assert running_on(engine, execution.id, "rescuer")
    for worker in (dead, rescuer):
        worker.heartbeat(engine.clock.now())
    wait_for(lambda: idle(engine, dead), timeout=5, what="the frozen copy to stop")
    engine.service.cancel_execution(execution.id)
    rescuer.heartbeat(engine.clock.now())
    wait_for(lambda: idle(engine, rescuer), timeout=5)


def test_a_handed_back_run_does_not_use_up_a_retry(flaky_engine: Engine) -> None:
    engine = flaky_engine
    job_id = engine.create_job(handler="test.flaky", max_retries=1)
    (execution,) = trigger(engine.store, job_id, engine.clock.now())
    engine.scheduler.run_once(engine.clock.now())
    leaving = engine.worker("leaving")
    assert leaving.run_once(engine.clock.now()) == 1
    leaving.shutdown(grace_s=0)
    assert engine.status(execution.id) == "QUEUED"
    other = engine.worker("other")
    assert other.run_once(engine.clock.now()) == 1
    wait_for(lambda: other.flush(engine.clock.now()) and not other.running, timeout=5)
    after = engine.store.executions.get(execution.id)
    assert after.status == "RETRYING"
    assert [a.outcome for a in after.attempts] == ["HANDED_BACK", "FAILED"]


# ----------------------------------------------------------------- defect 8


@pytest.mark.parametrize("running", [False, True], ids=["queued", "running"])
def test_a_run_retried_right_after_cancel_is_claimed_without_a_tick(
    engine: Engine, running: bool
) -> None:
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 60_000})
    execution = engine.service.trigger_job(job_id, {})
    first = engine.worker("w1")
    if running:
        assert first.run_once(engine.clock.now()) == 1
    engine.service.cancel_execution(execution["id"])
    engine.service.retry_execution(execution["id"])

    second = engine.worker("w2")
    assert second.run_once(engine.clock.now()) == 1  # no scheduler pass in between
    assert running_on(engine, execution["id"], "w2")
    # The cancelled copy stops and records nothing over the retried run.
    first.heartbeat(engine.clock.now())
    wait_for(lambda: idle(engine, first), timeout=5)
    second.heartbeat(engine.clock.now())
    run = second.running[execution["id"]]
    assert not run.ctx.cancelled.is_set()  # the old cancel flag does not stop the retry
    assert running_on(engine, execution["id"], "w2")
    engine.service.cancel_execution(execution["id"])
    second.heartbeat(engine.clock.now())
    wait_for(lambda: idle(engine, second), timeout=5)
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}


def test_workers_gone_for_an_hour_leave_the_registry_though_nobody_lists_it(
    engine: Engine,
) -> None:
    # Killed workers never say goodbye; only listing the workers used to prune them.
    for i in range(20):
        engine.worker(f"killed-{i}").heartbeat(engine.clock.now())
    engine.clock.advance(hours=2)
    engine.worker("alive").heartbeat(engine.clock.now())
    queue = engine.queue
    assert queue.client.zrange(queue.keys.workers, 0, -1) == ["alive"]
