"""Flow controls declared on a job: stored and shown as sent, and each run written with
the key its payload resolves to (a trigger whose payload gives none is a 400 naming the
path, with nothing written, whichever trigger path it would take)."""

from __future__ import annotations

import uuid

import pytest

from jobsched.errors import ValidationError
from jobsched.registry import Handler
from tests.integration.engine import Engine

REF = {"$ref": "payload.customer"}


def runs_of(engine: Engine, job_id: str) -> list[dict]:
    with engine.store.tx() as conn:
        return conn.execute(
            "SELECT concurrency_key, concurrency_limit, payload FROM executions"
            " WHERE job_id = %s ORDER BY created_at",
            (job_id,),
        ).fetchall()


def mid_minute(engine: Engine) -> None:
    """Move the clock to :30 so that 61 s later exactly one minute has begun (from :59
    two would have, and a per-minute job would owe two runs)."""
    engine.clock.set(engine.clock.now().replace(second=30))


def test_a_triggered_run_carries_the_key_its_payload_names(engine: Engine) -> None:
    job_id = engine.create_job(concurrency={"key": REF, "limit": 2})
    job = engine.service.get_job(job_id)
    assert job["concurrency"] == {"key": REF, "limit": 2}
    run = engine.service.trigger_job(job_id, {"payload": {"customer": "acme"}})
    assert (run["concurrency_key"], run["concurrency_limit"]) == ("acme", 2)
    assert [(r["concurrency_key"], r["concurrency_limit"]) for r in runs_of(engine, job_id)] == [
        ("acme", 2)
    ]


def test_a_trigger_whose_payload_names_no_key_is_refused_and_writes_nothing(
    engine: Engine,
) -> None:
    job_id = engine.create_job(concurrency={"key": REF, "limit": 2})
    # No body: the trigger that reads nothing first would copy the job's payload blind.
    with pytest.raises(ValidationError) as exc:
        engine.service.trigger_job(job_id, {})
    assert set(exc.value.fields) == {"payload.customer"}
    with pytest.raises(ValidationError) as exc:
        engine.service.trigger_job(job_id, {"runs": [{"payload": {"customer": "a"}}, {}]})
    assert set(exc.value.fields) == {"runs[1].payload.customer"}
    assert runs_of(engine, job_id) == []


def test_a_literal_key_needs_no_payload_and_an_edit_clears_it(engine: Engine) -> None:
    job_id = engine.create_job(concurrency={"key": "exports", "limit": 1})
    run = engine.service.trigger_job(job_id, {})
    assert run["concurrency_key"] == "exports"
    engine.service.update_job(job_id, {"concurrency": None})
    run = engine.service.trigger_job(job_id, {})
    assert run["concurrency_key"] is None


def test_a_scheduled_run_takes_the_key_of_its_jobs_payload(engine: Engine) -> None:
    mid_minute(engine)
    job_id = engine.create_job(
        schedule="* * * * *", payload={"customer": "c9"}, concurrency={"key": REF, "limit": 3}
    )
    engine.clock.advance(61)
    engine.scheduler.run_once(engine.clock.now())
    assert [(r["concurrency_key"], r["concurrency_limit"]) for r in runs_of(engine, job_id)] == [
        ("c9", 3)
    ]


def test_a_handlers_default_applies_to_jobs_that_declare_none(engine: Engine) -> None:
    # A handler of this test's own: the catalog outlives the test.
    name = f"flow.sample-{uuid.uuid4().hex[:8]}"
    engine.registry.add(Handler(name, lambda p, c: p, lambda p, s: {}))
    entry = {
        "name": name,
        "description": "",
        "schema": None,
        "pool": "default",
        "isolation": "thread",
        "overridable": ["*"],
        "flow": {"concurrency": {"key": "from-handler", "limit": 3}},
    }
    engine.store.handlers.publish([entry], engine.clock.now())
    plain = engine.create_job(handler=name)
    own = engine.create_job(handler=name, concurrency={"key": "own", "limit": 1})
    assert engine.service.trigger_job(plain, {})["concurrency_key"] == "from-handler"
    assert engine.service.trigger_job(own, {})["concurrency_key"] == "own"
    mid_minute(engine)
    scheduled = engine.create_job(handler=name, schedule="* * * * *")
    engine.clock.advance(61)
    engine.scheduler.run_once(engine.clock.now())
    assert [r["concurrency_key"] for r in runs_of(engine, scheduled)] == ["from-handler"]
