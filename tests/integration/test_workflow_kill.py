"""A workflow whose worker is SIGKILLed mid-step still ends SUCCEEDED, each step's
execution recorded succeeded exactly once (issue 23). Workers are real processes."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from jobsched.clock import SystemClock
from jobsched.handler_settings import HandlerSettings
from jobsched.settings import Settings
from jobsched.workflow_life import WorkflowLife
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for
from tests.integration.test_worker_process import Processes, real_time_scheduler, running_on


@pytest.fixture
def procs(settings: Settings) -> Iterator[Processes]:
    p = Processes(settings)
    yield p
    p.stop_all()


def test_a_workflow_whose_worker_is_killed_mid_step_still_succeeds(
    engine: Engine, procs: Processes
) -> None:
    clock = SystemClock()
    scheduler = real_time_scheduler(engine)
    life = WorkflowLife(engine.store, engine.queue, engine.registry, HandlerSettings(), clock, "t")
    wf = life.create(
        {
            "name": "killed",
            "steps": [
                {"id": "a", "handler": "test.echo", "payload": {"n": 1}},
                {
                    "id": "b",
                    "handler": "test.delay",
                    "after": ["a"],
                    "payload": {"durationMs": 2500},
                },
                {"id": "c", "handler": "test.echo", "after": ["b"]},
            ],
        }
    )
    run = life.trigger(wf["id"], None)
    victim = procs.worker("victim")

    def b_runs_on_victim() -> bool:
        b = next(s for s in life.get_run(run["id"])["steps"] if s["id"] == "b")
        return bool(b["execution_ids"]) and running_on(
            engine.store, b["execution_ids"][0], "victim"
        )

    wait_for(b_runs_on_victim, timeout=30, what="the victim runs step b")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=5)
    procs.worker("rescuer")

    def ended() -> dict | None:
        scheduler.run_once()  # returns the lapsed lease; catches up a lagging run
        got = life.get_run(run["id"])
        return got if got["status"] in ("SUCCEEDED", "FAILED", "CANCELLED") else None

    final = wait_for(ended, timeout=60, interval=0.2, what="the workflow run to end")
    assert final["status"] == "SUCCEEDED"
    for step in final["steps"]:
        (eid,) = step["execution_ids"]
        execution = engine.store.executions.get(eid)
        assert execution.status == "SUCCEEDED"
        assert [a.outcome for a in execution.attempts].count("SUCCEEDED") == 1
    b = next(s for s in final["steps"] if s["id"] == "b")
    outcomes = [
        (a.worker_id, a.outcome)
        for a in engine.store.executions.get(b["execution_ids"][0]).attempts
    ]
    assert outcomes == [("victim", "LOST"), ("rescuer", "SUCCEEDED")]
