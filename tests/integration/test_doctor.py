"""``jobsched doctor`` over real Redis and PostgreSQL, with a tick and a worker in
process: every check passes on a healthy setup (exit 0), and each problem of the
troubleshooting list is named with its fix (exit 1; 3 when a service is down)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from jobsched import execution_record
from jobsched.cli import EXIT_FAILED, EXIT_UNAVAILABLE, main
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import connect
from jobsched.runtime import Runtime, set_runtime
from jobsched.scheduler import Scheduler
from tests.integration.engine import Engine

pytestmark = pytest.mark.also_cluster  # doctor reads the same things from a cluster

CHECKS = ["redis", "postgres", "migrations", "scheduler", "workers", "clock", "due", "stuck"]


@pytest.fixture
def doctor(engine: Engine, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Runs ``jobsched --json doctor`` on the engine's Redis, PostgreSQL and clock."""

    def run(queue: RedisQueue | None = None, **settings: Any) -> tuple[int, dict[str, Any]]:
        rt = Runtime(replace(engine.settings, **settings), engine.clock)
        rt.__dict__.update(store=engine.store, queue=queue or engine.queue)
        set_runtime(rt)
        code = main(["--json", "doctor"])
        report = json.loads(capsys.readouterr().out)
        return code, {c["name"]: c for c in report["checks"]} | {"ok": report["ok"]}

    yield run
    set_runtime(None)


def _healthy(engine: Engine) -> None:
    engine.scheduler.run_once(engine.clock.now())
    engine.worker("doctor-worker").heartbeat(engine.clock.now())


def _failed(checks: dict[str, Any]) -> list[str]:
    return [name for name, c in checks.items() if name != "ok" and not c["ok"]]


def test_every_check_passes_on_a_healthy_setup(
    doctor: Any, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    _healthy(engine)
    code, checks = doctor()
    assert (code, checks["ok"], _failed(checks)) == (0, True, []), json.dumps(checks)
    assert list(checks)[: len(CHECKS)] == CHECKS, "in the documented order"
    assert engine.settings.scheduler_instance_id in checks["scheduler"]["detail"]
    assert "since" in checks["scheduler"]["detail"]
    assert "doctor-worker (default" in checks["workers"]["detail"]
    assert main(["doctor"]) == 0  # the table for people
    assert capsys.readouterr().out.count("OK  ") == len(CHECKS) + 1


def test_no_workers_running_is_named_with_its_fix(doctor: Any, engine: Engine) -> None:
    engine.scheduler.run_once(engine.clock.now())
    code, checks = doctor()
    assert (code, _failed(checks)) == (EXIT_FAILED, ["workers"])
    assert checks["workers"]["detail"] == "no live worker"
    assert "jobsched worker" in checks["workers"]["fix"]


def test_a_stopped_tick_is_named_and_so_are_the_jobs_it_left_due(
    doctor: Any, engine: Engine
) -> None:
    _healthy(engine)
    engine.create_job(name="every-minute", schedule="* * * * *")
    engine.scheduler.resign()  # the tick stops: its lock goes
    engine.clock.advance(180)
    engine.worker("doctor-worker").heartbeat(engine.clock.now())
    code, checks = doctor()
    assert (code, _failed(checks)) == (EXIT_FAILED, ["scheduler", "due"])
    assert checks["scheduler"]["detail"].startswith("no scheduler holds the leader lock (last")
    assert "jobsched tick" in checks["scheduler"]["fix"]
    assert "every-minute" in checks["due"]["detail"]


def test_a_tick_between_two_runs_is_not_a_stopped_tick(doctor: Any, engine: Engine) -> None:
    """On AWS the tick Lambda gives the lock up at the end of each run, and the next
    run takes it within the minute."""
    _healthy(engine)
    engine.scheduler.resign()
    engine.clock.advance(30)
    engine.worker("doctor-worker").heartbeat(engine.clock.now())
    code, checks = doctor()
    assert (code, _failed(checks)) == (0, [])
    assert checks["scheduler"]["detail"] == "between tick runs: the last pass was 30 s ago"


def test_a_run_past_its_lease_and_dead_letter_growth_are_named(doctor: Any, engine: Engine) -> None:
    failing = engine.create_job(handler="test.delay", max_retries=0, payload={"shouldFail": True})
    dead = engine.service.trigger_job(failing, None)
    engine.run_until(lambda: engine.status(dead["id"]) == "FAILED")
    stuck = engine.service.trigger_job(engine.create_job(), None)
    # A worker claims the run and freezes: no heartbeat extends its lease...
    (claim,) = engine.queue.claim(1, engine.clock.now(), engine.settings.visibility_timeout_ms)
    execution_record.start(
        engine.store, [(claim.execution_id, claim.token)], "frozen", engine.clock.now()
    )
    engine.clock.advance(engine.settings.visibility_timeout_ms / 1000 + 20)
    # ...and no tick hands it to another worker, though one leads and a worker is live.
    engine.queue.acquire_leader(engine.scheduler.owner, 60_000, engine.clock.now())
    engine.worker("another").heartbeat(engine.clock.now())
    code, checks = doctor()
    assert code == EXIT_FAILED
    assert set(_failed(checks)) == {"stuck", "dead-letter"}
    assert stuck["id"] in checks["stuck"]["detail"]
    assert checks["dead-letter"]["detail"] == "1 new in the last hour (1 in all)"
    assert "jobsched dlq list" in checks["dead-letter"]["fix"]


def test_redis_down_is_exit_3_and_the_checks_that_need_it_say_so(
    doctor: Any, engine: Engine
) -> None:
    down = RedisQueue(connect("redis://127.0.0.1:1/0"), engine.settings.redis_key_prefix)
    code, checks = doctor(queue=down, redis_url="redis://:secret@127.0.0.1:1/0")
    assert code == EXIT_UNAVAILABLE
    assert checks["redis"]["detail"] == "no answer from 127.0.0.1:1"
    assert "secret" not in json.dumps(checks)
    assert checks["scheduler"]["detail"] == "not checked: needs the redis check to pass first"
    assert checks["postgres"]["ok"] and checks["migrations"]["ok"]


def test_sharded_ticks_are_listed_and_an_unheld_shard_is_named(doctor: Any, engine: Engine) -> None:
    sharded = replace(engine.settings, scheduler_shards=2)
    ticks = [Scheduler(engine.store, engine.queue, sharded, engine.clock, n) for n in "ab"]
    for _ in range(3):  # register, then settle into one shard each
        for tick in ticks:
            tick.run_once(engine.clock.now())
    engine.worker("doctor-worker").heartbeat(engine.clock.now())
    code, checks = doctor(scheduler_shards=2)
    assert (code, _failed(checks)) == (0, []), checks["scheduler"]
    for tick in ticks:
        assert f"{tick.owner} holds {tick.shard_lease.held[0]}" in checks["scheduler"]["detail"]
    # One instance stops without a word (its lock then lapses); a pass long ago.
    gone = ticks[1].shard_lease.held[0]
    engine.queue.client.delete(engine.queue.keys.shard(gone))
    engine.clock.advance(180)
    engine.queue.acquire_leader(ticks[0].owner, 60_000, engine.clock.now())
    engine.worker("doctor-worker").heartbeat(engine.clock.now())
    code, checks = doctor(scheduler_shards=2)
    assert (code, _failed(checks)) == (EXIT_FAILED, ["scheduler"])
    assert checks["scheduler"]["detail"].endswith(f"shard(s) {gone} held by no tick instance")
