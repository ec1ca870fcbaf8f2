"""GET /api/v1/flow?job_id=: a job's keys, their running and waiting runs, and the limit
holding the waiting ones, with when the next may start when that is known."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobsched.api import prometheus
from jobsched.errors import NotFoundError, ValidationError
from tests.integration.engine import Engine

REF = {"$ref": "payload.customer"}


def by_key(engine: Engine, job_id: str) -> dict[str, dict]:
    page = engine.service.flow({"job_id": job_id})
    assert page["total"] == len(page["items"])
    return {item.pop("key"): item for item in page["items"]}


def test_a_key_at_its_concurrency_limit_says_so(engine: Engine) -> None:
    job_id = engine.create_job(concurrency={"key": REF, "limit": 1})
    for customer in ("a", "a", "b"):
        engine.service.trigger_job(job_id, {"payload": {"customer": customer}})
    assert by_key(engine, job_id) == {
        "a": {"running": 0, "waiting": 2, "limited_by": None, "next_start_at": None},
        "b": {"running": 0, "waiting": 1, "limited_by": None, "next_start_at": None},
    }
    claims = engine.queue.claim(3, engine.clock.now(), 60_000, owner="w", handlers=("test.echo",))
    assert len(claims) == 2  # one of a, one of b
    with engine.store.tx() as conn:  # as a worker's begin records them
        conn.execute(
            "UPDATE executions SET status = 'RUNNING' WHERE id = ANY(%s)",
            ([c.execution_id for c in claims],),
        )
    state = by_key(engine, job_id)
    assert state["a"] == {
        "running": 1,
        "waiting": 1,
        "limited_by": "concurrency",
        "next_start_at": None,
    }
    assert state["b"] == {"running": 1, "waiting": 0, "limited_by": None, "next_start_at": None}


def test_a_rate_and_a_debounce_say_when_the_next_run_may_start(engine: Engine) -> None:
    rated = engine.create_job(rate={"key": "api", "limit": 1, "period_ms": 60_000})
    engine.service.trigger_job(rated, {})
    engine.service.trigger_job(rated, {})
    started = engine.clock.now()
    engine.queue.claim(2, started, 60_000, owner="w", handlers=("test.echo",))
    state = by_key(engine, rated)["api"]
    assert state["limited_by"] == "rate"
    assert state["next_start_at"] == (started + timedelta(seconds=60)).isoformat()

    debounced = engine.create_job(debounce={"key": "d", "delay_ms": 5000})
    engine.service.trigger_job(debounced, {})
    assert by_key(engine, debounced)["d"] == {
        "running": 0,
        "waiting": 1,
        "limited_by": "debounce",
        "next_start_at": (engine.clock.now() + timedelta(seconds=5)).isoformat(),
    }


def test_flow_names_a_bad_or_unknown_job(engine: Engine) -> None:
    with pytest.raises(ValidationError) as exc:
        engine.service.flow({})
    assert set(exc.value.fields) == {"job_id"}
    with pytest.raises(NotFoundError):
        engine.service.flow({"job_id": "00000000-0000-0000-0000-000000000001"})


def test_flow_outcomes_are_counted_in_metrics(engine: Engine) -> None:
    job_id = engine.create_job(singleton={"key": "k", "mode": "skip"})
    engine.service.trigger_job(job_id, {})
    engine.service.trigger_job(job_id, {})
    metrics = engine.service.metrics()
    assert metrics["flow"]["singleton_skipped"] == 1
    text = prometheus.render(metrics)
    assert 'jobsched_flow_triggers_total{outcome="singleton_skipped"} 1' in text.splitlines()
