"""Debounce and singleton on triggers: a burst of one key collapses into one run with the
last payload (started at most max_delay_ms after the first), and a key's run already
queued or running skips, is replaced by, or is cancelled for a new one. Joined and
skipped triggers answer with the run, and are audited and counted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobsched.domain.audit import Audit
from jobsched.errors import RateLimitedError, ValidationError
from tests.integration.engine import Engine

REF = {"$ref": "payload.customer"}


def rows(engine: Engine, job_id: str) -> list[dict]:
    with engine.store.tx() as conn:
        return conn.execute(
            "SELECT id::text, status, payload, scheduled_for FROM executions WHERE job_id = %s"
            " ORDER BY created_at",
            (job_id,),
        ).fetchall()


def flow_audit(engine: Engine, job_id: str) -> list[str]:
    with engine.store.tx() as conn:
        found = conn.execute(
            "SELECT changes->'flow'->>'after' AS outcome FROM audit_log"
            " WHERE target_id = %s AND action = 'trigger' ORDER BY id",
            (job_id,),
        ).fetchall()
    return [r["outcome"] for r in found]


def test_a_hundred_triggers_within_a_second_make_one_run_with_the_last_payload(
    engine: Engine,
) -> None:
    job_id = engine.create_job(debounce={"key": REF, "delay_ms": 500, "max_delay_ms": 5000})
    before = engine.queue.flow_counts().get("debounce_joined", 0)
    answers = []
    for i in range(100):
        answers.append(engine.service.trigger_job(job_id, {"payload": {"customer": "a", "n": i}}))
        engine.clock.advance(seconds=0.009)
    other = engine.service.trigger_job(job_id, {"payload": {"customer": "b", "n": 0}})
    assert len({a["id"] for a in answers}) == 1  # every trigger answers with the run
    assert other["id"] != answers[0]["id"]  # another key, another run
    (run, _b_run) = rows(engine, job_id)
    assert run["payload"] == {"customer": "a", "n": 99}
    assert run["status"] == "QUEUED"
    assert engine.queue.flow_counts()["debounce_joined"] - before == 99
    # Not started before delay_ms after the last trigger; then once, with that payload.
    engine.run_until(lambda: True)
    assert engine.status(run["id"]) == "QUEUED"
    engine.clock.advance(seconds=0.6)
    engine.run_until(lambda: engine.status(run["id"]) == "SUCCEEDED")
    assert engine.store.executions.get(run["id"]).result == {"customer": "a", "n": 99}


def test_a_burst_starts_at_most_max_delay_after_its_first_trigger(engine: Engine) -> None:
    job_id = engine.create_job(debounce={"key": "k", "delay_ms": 1000, "max_delay_ms": 2000})
    first = engine.clock.now()
    for _ in range(4):  # a trigger every 500 ms: each alone would push it a second on
        run = engine.service.trigger_job(job_id, {})
        engine.clock.advance(seconds=0.5)
    (row,) = rows(engine, job_id)
    assert row["scheduled_for"] == first + timedelta(milliseconds=2000)  # not 2500
    assert run["id"] == row["id"]
    # Once due, a trigger starts the next burst.
    assert engine.service.trigger_job(job_id, {})["id"] != row["id"]


def test_joined_triggers_are_audited(engine: Engine) -> None:
    job_id = engine.create_job(debounce={"key": "k", "delay_ms": 1000})
    service = engine.service
    service.scope = "admin"  # type: ignore[attr-defined]
    service._audit = lambda action: Audit("k-test", action)  # type: ignore[method-assign]
    service.trigger_job(job_id, {})
    service.trigger_job(job_id, {})
    assert flow_audit(engine, job_id) == [None, "debounce_joined"]


def test_a_singleton_skips_while_its_keys_run_is_unfinished(engine: Engine) -> None:
    job_id = engine.create_job(singleton={"key": REF, "mode": "skip"})
    first = engine.service.trigger_job(job_id, {"payload": {"customer": "a"}})
    again = engine.service.trigger_job(job_id, {"payload": {"customer": "a"}})
    other = engine.service.trigger_job(job_id, {"payload": {"customer": "b"}})
    assert again["id"] == first["id"] and other["id"] != first["id"]
    assert len(rows(engine, job_id)) == 2
    engine.run_until(lambda: engine.status(first["id"]) == "SUCCEEDED")
    later = engine.service.trigger_job(job_id, {"payload": {"customer": "a"}})
    assert later["id"] != first["id"]  # the key's run finished: a new one


def test_a_singleton_replaces_the_queued_run(engine: Engine) -> None:
    job_id = engine.create_job(singleton={"key": "k", "mode": "replace_queued"})
    first = engine.service.trigger_job(job_id, {"payload": {"v": 1}})
    second = engine.service.trigger_job(job_id, {"payload": {"v": 2}})
    assert engine.status(first["id"]) == "CANCELLED"
    assert engine.queue.unknown([first["id"]]) == [first["id"]]  # gone from Redis too
    engine.run_until(lambda: engine.status(second["id"]) == "SUCCEEDED")
    assert engine.status(first["id"]) == "CANCELLED"


def test_a_singleton_cancels_the_running_run(engine: Engine) -> None:
    job_id = engine.create_job(
        handler="test.delay",
        payload={"durationMs": 60_000},
        singleton={"key": "k", "mode": "cancel_running"},
    )
    first = engine.service.trigger_job(job_id, {})
    worker = engine.worker()
    engine.run_until(lambda: engine.status(first["id"]) == "RUNNING", worker)
    second = engine.service.trigger_job(job_id, {"payload": {"durationMs": 0}})
    assert engine.status(first["id"]) == "CANCELLED"
    engine.run_until(lambda: engine.status(second["id"]) == "SUCCEEDED", worker)


def test_a_batch_trigger_of_a_debounced_job_is_refused(engine: Engine) -> None:
    job_id = engine.create_job(debounce={"key": "k", "delay_ms": 1000})
    with pytest.raises(ValidationError) as exc:
        engine.service.trigger_job(job_id, {"runs": [{}, {}]})
    assert set(exc.value.fields) == {"runs"}


def test_a_trigger_over_a_reject_mode_rate_is_a_429_with_retry_after(engine: Engine) -> None:
    job_id = engine.create_job(rate={"key": REF, "limit": 2, "period_ms": 10_000, "mode": "reject"})
    before = engine.queue.flow_counts().get("rate_rejected", 0)
    for _ in range(2):
        engine.service.trigger_job(job_id, {"payload": {"customer": "a"}})
    with pytest.raises(RateLimitedError) as exc:
        engine.service.trigger_job(job_id, {"payload": {"customer": "a"}})
    assert exc.value.headers == {"Retry-After": "10"}
    assert exc.value.to_dict()["key"] == "a"
    engine.service.trigger_job(job_id, {"payload": {"customer": "b"}})  # another key
    assert len(rows(engine, job_id)) == 3  # the refused trigger wrote nothing
    assert engine.queue.flow_counts()["rate_rejected"] - before == 1
    engine.clock.advance(seconds=10)
    engine.service.trigger_job(job_id, {"payload": {"customer": "a"}})


def test_a_queue_mode_rate_holds_runs_to_their_turn(engine: Engine) -> None:
    job_id = engine.create_job(rate={"key": "api", "limit": 1, "period_ms": 60_000})
    first = engine.service.trigger_job(job_id, {})
    second = engine.service.trigger_job(job_id, {})
    assert (second["rate_key"], second["rate_limit"]) == ("api", 1)
    engine.run_until(lambda: engine.status(first["id"]) == "SUCCEEDED")
    engine.run_until(lambda: True)
    assert engine.status(second["id"]) == "QUEUED"
    engine.clock.advance(seconds=61)
    engine.run_until(lambda: engine.status(second["id"]) == "SUCCEEDED")


def test_a_debounced_run_waits_in_redis_for_its_time_unclaimable_ahead(engine: Engine) -> None:
    job_id = engine.create_job(debounce={"key": "k", "delay_ms": 300})
    run = engine.service.trigger_job(job_id, {"payload": {"v": 1}})
    ahead = engine.queue.claim(
        5, engine.clock.now(), 60_000, owner="w", handlers=("test.echo",), ahead_ms=1000, ahead=5
    )
    assert ahead == []  # a worker holding it early would miss a later trigger's payload
    engine.clock.advance(seconds=0.2)
    engine.service.trigger_job(job_id, {"payload": {"v": 2}})  # due at 0.5 s now
    engine.clock.advance(seconds=0.2)
    assert engine.queue.claim(5, engine.clock.now(), 60_000, owner="w") == []  # moved on
    engine.clock.advance(seconds=0.1)
    (claimed,) = engine.queue.claim(5, engine.clock.now(), 60_000, owner="w")
    assert claimed.execution_id == run["id"]
