"""The tick's periodic reconcile (every 30 s) pushes again what Redis is missing, and
only that.

Found by ``make chaos`` (worker SIGKILL scenario): runs that PostgreSQL still had
unfinished when the reconcile read it finished, and were acked away in Redis, before
the reconcile wrote Redis. It pushed them again as if Redis had lost them: finished
runs handed out to workers once more, and counted as stranded.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from jobsched.scheduler import RECONCILE_EVERY
from jobsched.worker import Worker
from tests.integration.engine import Engine
from tests.integration.helpers import tick_after_redis_loss, wait_for

pytestmark = pytest.mark.also_cluster  # queue semantics must not change on a cluster


def _work(worker: Worker, now: datetime) -> None:
    """Claim, let the handler finish, record the result (and ack it in Redis)."""
    worker.run_once(now)
    _handler_done(worker)
    worker.flush(now)


def _handler_done(worker: Worker) -> None:
    wait_for(lambda: worker.completed, what="the handler to finish")


def _next_reconcile(engine: Engine, worker: Worker) -> datetime:
    engine.scheduler.run_once(engine.clock.now())  # the first pass reconciles at once
    engine.clock.advance(seconds=RECONCILE_EVERY.total_seconds())
    now = engine.clock.now()
    worker.heartbeat(now)  # the worker is alive: nothing of it is released as dead
    return now


@pytest.mark.parametrize("state", ["QUEUED", "RUNNING"])
def test_a_run_that_finishes_while_the_reconcile_reads_is_not_pushed_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, state: str
) -> None:
    job_id = engine.create_job()
    run = engine.service.trigger_job(job_id, {})
    worker = engine.worker()
    if state == "RUNNING":
        worker.run_once(engine.clock.now())
        _handler_done(worker)  # its result not recorded yet
    now = _next_reconcile(engine, worker)
    assert engine.status(run["id"]) == state

    read = engine.store.outbox.unfinished
    finished_meanwhile: list[str] = []

    def read_then_the_run_finishes(*args: object, **kwargs: object) -> list:
        rows = read(*args, **kwargs)
        if not finished_meanwhile:
            # Between the reconcile's read of PostgreSQL and its write to Redis.
            if state == "RUNNING":
                worker.flush(now)
            else:
                _work(worker, now)
            finished_meanwhile.append(run["id"])
        return rows

    monkeypatch.setattr(engine.store.outbox, "unfinished", read_then_the_run_finishes)
    report = engine.scheduler.run_once(now)

    assert finished_meanwhile
    assert report.reconciled == 0  # nothing was missing from Redis
    final = engine.store.executions.get(run["id"])
    assert final.status == "SUCCEEDED" and len(final.attempts) == 1
    # No worker is handed the finished run again.
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}
    assert engine.worker("w2").run_once(now) == 0


def test_a_run_redis_lost_is_pushed_by_the_reconcile(engine: Engine) -> None:
    job_id = engine.create_job()
    run = engine.service.trigger_job(job_id, {})
    worker = engine.worker()
    now = _next_reconcile(engine, worker)
    engine.queue.cancel([run["id"]])  # Redis forgets the run; PostgreSQL has it QUEUED

    report = engine.scheduler.run_once(now)

    assert report.reconciled == 1
    _work(worker, now)
    assert engine.status(run["id"]) == "SUCCEEDED"


def test_parked_runs_are_neither_pushed_again_nor_lost_by_a_reconcile_or_a_rebuild(
    engine: Engine,
) -> None:
    """Runs a claim parked (their job at its max_concurrency) are known to the reconcile,
    and a Redis that lost them gets them back from PostgreSQL; each runs once."""
    job_id = engine.create_job(max_concurrency=1, priority=100)
    runs = [r["id"] for r in engine.service.trigger_job(job_id, {"runs": [{}] * 5})["items"]]
    worker = engine.worker()
    now = _next_reconcile(engine, worker)
    worker.run_once(now)  # one runs, four are parked
    assert engine.scheduler.run_once(now).reconciled == 0
    assert engine.queue.depth() == {"ready": 4, "in_flight": 1, "delayed": 0}

    prefix = engine.settings.redis_key_prefix
    for key in engine.queue.client.scan_iter(match=f"*{prefix}*"):
        engine.queue.client.delete(key)  # Redis lost everything
    assert tick_after_redis_loss(engine.scheduler, engine.clock).rebuilt == 5
    engine.run_until(lambda: all(engine.status(r) == "SUCCEEDED" for r in runs), worker)
    assert [len(engine.store.executions.get(r).attempts) for r in runs] == [1] * 5


def test_the_reconcile_releases_parked_runs_whose_release_was_missed(engine: Engine) -> None:
    job_id = engine.create_job(max_concurrency=1)
    runs = [r["id"] for r in engine.service.trigger_job(job_id, {"runs": [{}] * 2})["items"]]
    worker = engine.worker()
    engine.scheduler.run_once(engine.clock.now())
    _work(worker, engine.clock.now())  # the first runs; the second is parked
    assert engine.status(runs[0]) == "SUCCEEDED"
    # Its ack came from a worker of the previous version, which named no job as freed.
    engine.queue.client.delete(engine.queue.keys.freed)
    worker.run_once(engine.clock.now())
    assert engine.status(runs[1]) == "QUEUED"
    now = _next_reconcile(engine, worker)
    engine.scheduler.run_once(now)
    _work(worker, now)
    assert engine.status(runs[1]) == "SUCCEEDED"
