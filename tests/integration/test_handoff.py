"""The hand-off from PostgreSQL to Redis, as triggers, retries and the tick use it.

A trigger writes its runs QUEUED in one transaction and pushes them in one Redis
call; a push that fails (or a writer that dies after commit) leaves them for the
tick's repair, which pushes them once and never a finished run. Retries go through
the outbox: written PENDING, pushed, marked QUEUED; a failed push leaves them PENDING
for the tick. A refused trigger writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from redis.connection import Connection

from handlers import register_builtins
from jobsched.catalog import Catalog
from jobsched.domain.models import QueueItem
from jobsched.domain.plain import plain
from jobsched.errors import ConflictError, NotFoundError, ValidationError
from jobsched.loader import builtin_registry
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import connect
from jobsched.registry import HandlerRegistry
from jobsched.scheduler import PUSH_GRACE, RECONCILE_EVERY
from jobsched.service import JobService
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for


@pytest.fixture
def redis_down(engine: Engine) -> JobService:
    """The service as an API process sees it while Redis is unreachable."""
    dead = RedisQueue(connect("redis://127.0.0.1:1/0"), engine.queue.keys.prefix)
    return JobService(engine.store, dead, engine.registry, engine.settings, engine.clock)


class Crash(BaseException):
    """The writer's process dying: nothing in it catches this."""


@contextmanager
def counting(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Count PostgreSQL transactions (``Store.tx``, ``Store.pipelined_tx`` and
    ``Store.statement``, a statement that is its own transaction: the store's ways in)
    and Redis round trips (requests written to a connection; a pipeline is one)."""
    counts = {"pg": 0, "redis": 0}
    tx, pipelined, send = engine.store.tx, engine.store.pipelined_tx, Connection.send_packed_command
    statement = engine.store.statement

    def counted_tx(*args: Any, **kwargs: Any) -> Any:
        counts["pg"] += 1
        return tx(*args, **kwargs)

    def counted_pipelined(*args: Any, **kwargs: Any) -> Any:
        counts["pg"] += 1
        return pipelined(*args, **kwargs)

    def counted_statement(*args: Any, **kwargs: Any) -> Any:
        counts["pg"] += 1
        return statement(*args, **kwargs)

    def counted_send(self: Connection, *args: Any, **kwargs: Any) -> None:
        counts["redis"] += 1
        send(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(engine.store, "tx", counted_tx)
        patch.setattr(engine.store, "pipelined_tx", counted_pipelined)
        patch.setattr(engine.store, "statement", counted_statement)
        patch.setattr(Connection, "send_packed_command", counted_send)
        yield counts


def attempts_of(engine: Engine, execution_id: str) -> int:
    return len(engine.store.executions.get(execution_id).attempts)


def test_a_trigger_is_queued_at_once(engine: Engine) -> None:
    job_id = engine.create_job()
    run = engine.service.trigger_job(job_id, {"priority": 70})
    assert run["status"] == "QUEUED" and run["queued_at"]
    assert engine.status(run["id"]) == "QUEUED"
    assert engine.queue.ready_ids() == [run["id"]]


@pytest.mark.parametrize("runs", [None, {"runs": [{}] * 50}], ids=["single", "batch"])
def test_a_trigger_is_one_transaction_and_one_redis_round_trip(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, runs: dict | None
) -> None:
    """Checked against a handler only the catalog knows, as the API checks it: the
    catalog entry is read with the job, not in a transaction of its own."""
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    entry = {"name": "user.thing", "description": "A user's handler.", "schema": schema}
    engine.store.handlers.publish(
        [{**entry, "pool": "default", "isolation": "thread"}], engine.clock.now()
    )
    api = JobService(
        engine.store,
        engine.queue,
        Catalog(builtin_registry(), engine.store),
        engine.settings,
        engine.clock,
    )
    job_id = api.create_job({"name": "thing", "handler": "user.thing", "payload": {"a": 1}})["id"]
    api.trigger_job(job_id, None)  # Lua scripts loaded, connections opened

    with counting(engine, monkeypatch) as counts:
        answer = api.trigger_job(job_id, runs)
    assert counts == {"pg": 1, "redis": 1}
    items = answer["items"] if runs else [answer]
    assert {r["status"] for r in items} == {"QUEUED"}
    assert engine.queue.unknown([r["id"] for r in items]) == []

    with counting(engine, monkeypatch) as counts, pytest.raises(ValidationError) as bad:
        api.trigger_job(job_id, {"payload": {"a": "x"}})
    assert bad.value.fields == {"payload.a": "'x' is not of type 'integer'"}
    assert counts == {"pg": 1, "redis": 0}


@pytest.mark.parametrize("key", [None, "k-1"])
def test_a_trigger_answers_with_its_runs_as_stored(engine: Engine, key: str | None) -> None:
    """The runs are not read back after the INSERT: what the trigger answers is built
    from what it wrote, and must be what a read finds."""
    job_id = engine.create_job(payload={"n": 0}, priority=40, max_retries=2)
    later = (engine.clock.now() + timedelta(minutes=5)).isoformat()
    runs = [{}, {"payload": {"n": 1}, "priority": 90}, {"run_at": later}, {"delay_ms": 1500}]
    answer = engine.service.trigger_job(job_id, {"runs": runs}, key=key)["items"]
    stored = [plain(engine.store.executions.get(r["id"])) for r in answer]
    assert answer == stored
    assert [r["payload"] for r in answer] == [{"n": 0}, {"n": 1}, {"n": 0}, {"n": 0}]
    assert [r["priority"] for r in answer] == [40, 90, 40, 40]
    if key is not None:  # the repeated request answers from the stored rows
        assert engine.service.trigger_job(job_id, {"runs": runs}, key=key)["items"] == stored
    keys = [engine.store.executions.get(r["id"]).idempotency_key for r in answer]
    assert keys == ([r["id"] for r in answer] if key is None else [f"k-1#{i}" for i in range(4)])


def test_runs_whose_push_failed_are_pushed_by_the_next_tick(
    engine: Engine, redis_down: JobService
) -> None:
    job_id = engine.create_job()
    batch = redis_down.trigger_job(job_id, {"runs": [{}, {}]})
    ids = [r["id"] for r in batch["items"]]
    # Recorded as queued: the tick's repair owns the push now.
    assert [r["status"] for r in batch["items"]] == ["QUEUED", "QUEUED"]
    assert engine.queue.unknown(ids) == ids

    report = engine.scheduler.run_once(engine.clock.now())
    assert report.rebuilt == 2  # a fresh queue: the first pass rebuilds it
    assert engine.queue.unknown(ids) == []
    engine.run_until(lambda: all(engine.status(i) == "SUCCEEDED" for i in ids))
    assert [attempts_of(engine, i) for i in ids] == [1, 1]


@pytest.mark.parametrize("failure", ["redis refused", "writer died"])
def test_a_push_lost_after_commit_is_repaired_within_seconds_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """Between commit and push: the tick pushes the runs once PUSH_GRACE has passed,
    long before its next reconcile, and they run once."""
    job_id = engine.create_job()
    engine.scheduler.run_once(engine.clock.now())  # the first pass's reconcile is done

    def lost(*args: object, **kwargs: object) -> None:
        if failure == "writer died":
            raise Crash()
        from jobsched.errors import DependencyError

        raise DependencyError("Redis unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(engine.service.handoff, "_push", lost)
        if failure == "writer died":
            with pytest.raises(Crash):
                engine.service.trigger_job(job_id, {"runs": [{}, {}]})
        else:
            engine.service.trigger_job(job_id, {"runs": [{}, {}]})
    ids = [e.id for e in engine.store.executions.list(job_id=job_id).items]
    assert len(ids) == 2 and {engine.status(i) for i in ids} == {"QUEUED"}
    assert sorted(engine.queue.unknown(ids)) == sorted(ids)

    # Within the grace (PUSH_GRACE, 2 s as documented: written out, so changing it
    # shows here) the writer may still be pushing: the tick leaves them be...
    engine.clock.advance(seconds=1.9)
    assert engine.scheduler.run_once(engine.clock.now()).repaired == 0
    # ...and pushes them once it has passed.
    engine.clock.advance(seconds=0.2)
    assert PUSH_GRACE * 2 < RECONCILE_EVERY
    report = engine.scheduler.run_once(engine.clock.now())
    assert (report.repaired, report.reconciled) == (2, 0)
    assert engine.queue.unknown(ids) == []

    engine.run_until(lambda: all(engine.status(i) == "SUCCEEDED" for i in ids))
    engine.clock.advance(seconds=PUSH_GRACE.total_seconds())
    assert engine.scheduler.run_once(engine.clock.now()).repaired == 0
    assert [attempts_of(engine, i) for i in ids] == [1, 1]
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}


def test_the_repair_does_not_push_a_run_that_finished_while_it_read(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = engine.create_job()
    engine.scheduler.run_once(engine.clock.now())
    run = engine.service.trigger_job(job_id, {})
    worker = engine.worker()
    engine.clock.advance(seconds=PUSH_GRACE.total_seconds() + 1)
    read = engine.store.outbox.queued_between

    def read_then_the_run_finishes(*args: Any) -> list:
        rows = read(*args)
        # Between the repair's read of PostgreSQL and its look at Redis.
        worker.run_once(engine.clock.now())
        wait_for(lambda: worker.completed, what="the handler to finish")
        worker.flush(engine.clock.now())
        return rows

    monkeypatch.setattr(engine.store.outbox, "queued_between", read_then_the_run_finishes)
    assert engine.scheduler.run_once(engine.clock.now()).repaired == 0
    assert engine.status(run["id"]) == "SUCCEEDED"
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}


@pytest.fixture(params=[0, 300], ids=["recorded-running", "written-once"])
def counted(engine: Engine, request: pytest.FixtureRequest) -> tuple[Engine, list[str]]:
    """The engine with ``test.count``, a handler that notes each run it starts, with
    every start recorded RUNNING (the suite's setting) or short runs written once (the
    default, ``RECORD_RUNNING_AFTER_MS=300``): then nothing is written at the start, so
    only the claim's read can keep a finished run from starting."""
    registry = HandlerRegistry()  # not builtin_registry(): that one is shared
    register_builtins(registry)
    started: list[str] = []

    @registry.register("test.count")
    def count(payload: Any, ctx: Any) -> None:
        started.append(ctx.execution_id)

    settings = replace(engine.settings, record_running_after_ms=request.param)
    return Engine(engine.store, engine.queue, settings, registry, engine.clock), started


def test_a_finished_run_pushed_again_is_dropped_at_claim(
    counted: tuple[Engine, list[str]],
) -> None:
    """A writer's push that lands after its run was repaired, claimed, run and acked
    puts a finished run back in Redis: the claim drops it and it never runs twice."""
    engine, started = counted
    job_id = engine.create_job(handler="test.count")
    run = engine.service.trigger_job(job_id, {})
    engine.run_until(lambda: engine.status(run["id"]) == "SUCCEEDED")
    assert started == [run["id"]]
    item = QueueItem(run["id"], run["priority"], run["pool"], job_id, None, run["handler"])
    engine.service.handoff._push([(item, None)], engine.clock.now())
    assert engine.queue.unknown([run["id"]]) == []
    worker = engine.workers[0]
    # The claim takes it from Redis, finds it finished in PostgreSQL and starts nothing
    # (the status guards would refuse any write: only the handler's count can tell).
    assert worker.run_once(engine.clock.now()) == 0
    worker.flush(engine.clock.now())
    assert started == [run["id"]]
    assert engine.status(run["id"]) == "SUCCEEDED"
    assert attempts_of(engine, run["id"]) == 1
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}


def test_a_retry_whose_push_failed_runs_after_the_next_tick(
    engine: Engine, redis_down: JobService
) -> None:
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 60_000})
    run = engine.service.trigger_job(job_id, {})
    engine.service.cancel_execution(run["id"])
    retried = redis_down.retry_execution(run["id"])
    assert retried["status"] == "PENDING"

    engine.scheduler.run_once(engine.clock.now())
    assert engine.status(run["id"]) == "QUEUED"
    worker = engine.worker()
    assert worker.run_once(engine.clock.now()) == 1
    assert engine.status(run["id"]) == "RUNNING"
    worker.shutdown(grace_s=0)


def test_a_refused_trigger_writes_nothing(engine: Engine) -> None:
    job_id = engine.create_job(handler="http.webhook", payload={"url": "https://example.com/"})
    good = {"payload": {"url": "https://example.com/a"}}
    with pytest.raises(ValidationError) as refused:
        engine.service.trigger_job(job_id, {"runs": [good, {"payload": {}}, {"colour": 1}]})
    assert refused.value.fields == {
        "runs[1].payload.url": "is required",
        "runs[2].colour": "unknown field",
    }
    assert engine.store.executions.list(job_id=job_id).total == 0
    assert engine.queue.depth()["ready"] == 0


def test_a_trigger_reads_its_job_once_in_the_transaction_that_writes_its_runs(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = engine.create_job()

    def second_read(*args: object) -> None:
        raise AssertionError("the job was read outside the trigger's transaction")

    monkeypatch.setattr(engine.store.jobs, "get", second_read)
    run = engine.service.trigger_job(job_id, {"payload": {"n": 1}})
    assert run["payload"] == {"n": 1}


def test_what_a_trigger_is_refused_for_comes_in_the_same_order(engine: Engine) -> None:
    """An unknown job is a 404 whatever the body; a bad body a 400 even when the job is
    paused; a good body for a paused job a 409."""
    with pytest.raises(NotFoundError):
        engine.service.trigger_job(str(uuid.uuid4()), {"runs": "many"})
    job_id = engine.create_job()
    engine.service.pause_job(job_id)
    with pytest.raises(ValidationError) as bad:
        engine.service.trigger_job(job_id, {"runs": "many"})
    assert set(bad.value.fields) == {"runs"}
    with pytest.raises(ConflictError):
        engine.service.trigger_job(job_id, {})
    assert engine.store.executions.list(job_id=job_id).total == 0
