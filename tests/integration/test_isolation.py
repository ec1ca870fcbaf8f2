"""User handlers in a worker: process isolation, and what a handler may raise."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from jobsched.handler_settings import HandlerSettings
from jobsched.loader import load_handlers
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for


@pytest.fixture
def engine(store, queue, settings, clock) -> Engine:
    registry = load_handlers(["tests.plugins.sample"], plugins=False)
    return Engine(store, queue, settings, registry, clock)


def _run(engine: Engine, job_id: str) -> str:
    (execution,) = trigger(engine.store, job_id, engine.clock.now())
    return execution.id


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): only a reaped child is gone for good.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_a_process_handler_runs_in_a_child_and_returns_its_result(engine: Engine) -> None:
    eid = _run(engine, engine.create_job(handler="sample.pid"))
    engine.run_until(lambda: engine.status(eid) == "SUCCEEDED")
    result = engine.store.executions.get(eid).result
    assert result["pid"] != os.getpid()
    assert result["attempt"] == 1


def test_a_handler_looping_forever_is_killed_at_its_timeout_and_retried(
    engine: Engine, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    job_id = engine.create_job(
        handler="sample.spin",
        payload={"pid_file": str(pid_file)},
        # Long enough for the child to start (its start-up counts toward the timeout)
        # however busy the machine is.
        timeout_ms=3000,
        max_retries=1,
        retry_backoff_ms=0,
    )
    eid = _run(engine, job_id)
    worker = engine.worker()
    # Its first attempt timed out (with no backoff, a worker's claim may take the retry
    # at once: RETRYING can be too brief to see).
    outcomes = lambda: [a.outcome for a in engine.store.executions.get(eid).attempts]  # noqa: E731
    engine.run_until(lambda: outcomes()[:1] == ["TIMED_OUT"], worker)
    execution = engine.store.executions.get(eid)
    assert execution.attempts[0].outcome == "TIMED_OUT"
    assert execution.attempts[0].error == "timed out after 3000 ms"
    # The child was killed for real, not abandoned in a thread.
    child = int(pid_file.read_text())
    wait_for(lambda: not _alive(child), timeout=5, what="the child to be gone")
    # It is retried (and times out again), and the worker is free and healthy.
    engine.run_until(lambda: engine.status(eid) == "FAILED", worker)
    assert [a.outcome for a in engine.store.executions.get(eid).attempts] == [
        "TIMED_OUT",
        "TIMED_OUT",
    ]
    ok = _run(engine, engine.create_job(handler="test.echo", payload={"n": 1}))
    engine.run_until(lambda: engine.status(ok) == "SUCCEEDED", worker)


def test_a_crash_fails_the_attempt_not_the_worker(engine: Engine) -> None:
    eid = _run(engine, engine.create_job(handler="sample.crash", max_retries=0))
    worker = engine.worker()
    engine.run_until(lambda: engine.status(eid) == "FAILED", worker)
    attempt = engine.store.executions.get(eid).attempts[0]
    assert attempt.outcome == "FAILED"
    assert attempt.error == "the handler's process was killed by SIGSEGV"
    ok = _run(engine, engine.create_job(handler="test.echo"))
    engine.run_until(lambda: engine.status(ok) == "SUCCEEDED", worker)


def test_fail_now_dead_letters_without_using_the_retries(engine: Engine) -> None:
    eid = _run(engine, engine.create_job(handler="sample.fail_now", max_retries=5))
    engine.run_until(lambda: engine.status(eid) == "FAILED")
    execution = engine.store.executions.get(eid)
    assert len(execution.attempts) == 1
    assert execution.error == "the report day is in the future"
    (entry,) = engine.store.dead_letter.list().items
    assert entry.reason == "the handler failed it without retries (FailNow)"


def test_retry_later_waits_the_delay_it_asked_for(engine: Engine) -> None:
    job_id = engine.create_job(
        handler="sample.retry_later", payload={"delay_ms": 45_000}, max_retries=2
    )
    eid = _run(engine, job_id)
    engine.run_until(lambda: engine.status(eid) == "RETRYING")
    execution = engine.store.executions.get(eid)
    assert execution.error == "upstream not ready"
    assert execution.next_attempt_at == engine.clock.now() + timedelta(milliseconds=45_000)


def _limits(text: str) -> dict[str, str]:
    """``/proc/self/limits`` as {name: soft limit}."""
    return {line[:26].strip(): line[26:47].strip() for line in text.splitlines()[1:]}


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs Linux /proc")
def test_a_process_handler_runs_without_secrets_under_the_child_limits(
    store, queue, settings, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The secrets as a worker started by `jobsched worker` has them in its environment.
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    limited = HandlerSettings(child_max_memory_mb=3000, child_max_open_files=77)
    registry = load_handlers(["tests.plugins.sample"], plugins=False)
    engine = Engine(store, queue, settings, registry, clock, limited)
    eid = _run(engine, engine.create_job(handler="sample.inside"))
    engine.run_until(lambda: engine.status(eid) == "SUCCEEDED")
    seen = engine.store.executions.get(eid).result
    assert "DATABASE_URL" not in seen["env"] and "REDIS_URL" not in seen["env"]
    assert seen["startup_env_has_secret"] is False
    assert seen["settings_database_url"] == ""
    limits = _limits(seen["limits"])
    assert limits["Max address space"] == str(3000 * 1024 * 1024)
    assert limits["Max open files"] == "77"
    assert seen["oom_score_adj"] == "1000"
    assert seen["own_group"] is True


def test_a_grandchild_does_not_survive_the_timeout_kill(engine: Engine, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    job_id = engine.create_job(
        handler="sample.grandchild",
        payload={"pid_file": str(pid_file)},
        timeout_ms=3000,
        max_retries=0,
    )
    eid = _run(engine, job_id)
    engine.run_until(lambda: engine.status(eid) == "FAILED")
    assert engine.store.executions.get(eid).attempts[0].outcome == "TIMED_OUT"
    sleeper = int(pid_file.read_text())
    wait_for(lambda: not _alive(sleeper), timeout=10, what="the grandchild sleep to be gone")


def test_what_a_handler_leaves_running_is_ended_when_it_returns(engine: Engine) -> None:
    eid = _run(engine, engine.create_job(handler="sample.leave_behind"))
    engine.run_until(lambda: engine.status(eid) == "SUCCEEDED")
    sleeper = engine.store.executions.get(eid).result["sleeper"]
    wait_for(lambda: not _alive(sleeper), timeout=10, what="the left-behind sleep to be gone")


def test_an_answer_flooding_the_pipe_fails_the_run_without_being_read(engine: Engine) -> None:
    eid = _run(engine, engine.create_job(handler="sample.flood", max_retries=0))
    worker = engine.worker()
    engine.run_until(lambda: engine.status(eid) == "FAILED", worker, timeout=60)
    error = engine.store.executions.get(eid).error
    assert "answer of over" in error
    ok = _run(engine, engine.create_job(handler="test.echo"))
    engine.run_until(lambda: engine.status(ok) == "SUCCEEDED", worker)


def test_a_process_handler_sees_its_workflow_steps_inputs(engine: Engine) -> None:
    from jobsched.workflow_life import WorkflowLife

    life = WorkflowLife(
        engine.store, engine.queue, engine.registry, HandlerSettings(), engine.clock, "t"
    )
    wf = life.create(
        {
            "name": "isolated",
            "steps": [
                {"id": "a", "handler": "test.echo", "payload": {"n": 1}},
                {"id": "b", "handler": "sample.pid", "after": ["a"]},
            ],
        }
    )
    run = life.trigger(wf["id"], None)
    done = engine.run_until(lambda: (r := life.get_run(run["id"]))["status"] == "SUCCEEDED" and r)
    (eid,) = done["steps"][1]["execution_ids"]
    result = engine.store.executions.get(eid).result
    assert result["pid"] != os.getpid() and result["inputs"] == {"a": {"n": 1}}
