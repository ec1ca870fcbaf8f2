"""The hand-off from PostgreSQL to Redis, as triggers, retries and the tick use it:
written rows are pushed and marked QUEUED; a failed push leaves them PENDING for the
tick; a refused trigger writes nothing."""

from __future__ import annotations

import uuid

import pytest

from jobsched.errors import ConflictError, NotFoundError, ValidationError
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import connect
from jobsched.service import JobService
from tests.integration.engine import Engine


@pytest.fixture
def redis_down(engine: Engine) -> JobService:
    """The service as an API process sees it while Redis is unreachable."""
    dead = RedisQueue(connect("redis://127.0.0.1:1/0"), engine.queue.keys.prefix)
    return JobService(engine.store, dead, engine.registry, engine.settings, engine.clock)


def test_a_trigger_is_queued_at_once(engine: Engine) -> None:
    job_id = engine.create_job()
    run = engine.service.trigger_job(job_id, {"priority": 70})
    assert run["status"] == "QUEUED" and run["queued_at"]
    assert engine.status(run["id"]) == "QUEUED"
    assert engine.queue.ready_ids() == [run["id"]]


def test_runs_whose_push_failed_are_pushed_by_the_next_tick(
    engine: Engine, redis_down: JobService
) -> None:
    job_id = engine.create_job()
    batch = redis_down.trigger_job(job_id, {"runs": [{}, {}]})
    ids = [r["id"] for r in batch["items"]]
    assert [r["status"] for r in batch["items"]] == ["PENDING", "PENDING"]
    assert engine.queue.depth()["ready"] == 0

    report = engine.scheduler.run_once(engine.clock.now())
    assert report.pushed == 2
    assert sorted(engine.queue.ready_ids()) == sorted(ids)
    engine.run_until(lambda: all(engine.status(i) == "SUCCEEDED" for i in ids))


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
    assert engine.store.list_executions(job_id=job_id).total == 0
    assert engine.queue.depth()["ready"] == 0


def test_a_trigger_reads_its_job_once_in_the_transaction_that_writes_its_runs(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = engine.create_job()

    def second_read(*args: object) -> None:
        raise AssertionError("the job was read outside the trigger's transaction")

    monkeypatch.setattr(engine.store, "get_job", second_read)
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
    assert engine.store.list_executions(job_id=job_id).total == 0
