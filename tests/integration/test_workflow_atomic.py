"""A step's end and the steps it releases commit in one transaction (issue 23): a
worker that dies between writing the one and the other leaves neither, and the run still
completes; an advancement that fails leaves the end recorded alone, for the tick."""

from __future__ import annotations

from typing import Any

import pytest

from jobsched import workflow_steps
from jobsched.handler_settings import HandlerSettings
from jobsched.workflow_life import WorkflowLife
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for


class Killed(BaseException):
    """The worker's process dying (nothing in it catches this)."""


@pytest.fixture
def life(engine: Engine) -> WorkflowLife:
    return WorkflowLife(
        engine.store, engine.queue, engine.registry, HandlerSettings(), engine.clock, "tester"
    )


def _chain(life: WorkflowLife) -> tuple[dict[str, Any], str]:
    steps = [
        {"id": "a", "handler": "test.echo", "max_retries": 0},
        {"id": "b", "handler": "test.echo", "max_retries": 0, "after": ["a"]},
    ]
    wf = life.create({"name": "atomic-chain", "steps": steps})
    run = life.trigger(wf["id"], None)
    (a_id,) = run["steps"][0]["execution_ids"]
    return run, a_id


def _steps(run: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    return {s["id"]: (s["status"], s["execution_ids"]) for s in run["steps"]}


def test_a_worker_dying_between_a_steps_end_and_its_release_leaves_neither(
    engine, life, monkeypatch
):
    run, a_id = _chain(life)
    worker = engine.worker()
    real = workflow_steps.advance_sent
    calls: list[Any] = []

    def dies_after_the_end_is_written(conn, store, run_id, now, *rest):
        calls.append(run_id)
        real(conn, store, run_id, now, *rest)  # what it releases is written too...
        raise Killed  # ...and the process dies before anything commits

    monkeypatch.setattr(workflow_steps, "advance_sent", dies_after_the_end_is_written)
    engine.scheduler.run_once(engine.clock.now())
    worker.run_once(engine.clock.now())
    wait_for(lambda: worker.completed, what="step a's handler to end")
    with pytest.raises(Killed):
        worker.flush(engine.clock.now())
    assert calls == [run["id"]]
    # neither the end of a nor the execution of b it released was written
    assert engine.status(a_id) in ("QUEUED", "RUNNING")
    assert _steps(life.get_run(run["id"])) == {"a": ("RUNNING", [a_id]), "b": ("WAITING", [])}

    monkeypatch.setattr(workflow_steps, "advance_sent", real)
    ended = engine.run_until(
        lambda: (r := life.get_run(run["id"]))["status"] == "SUCCEEDED" and r, worker
    )
    assert engine.status(a_id) == "SUCCEEDED"
    assert [s["status"] for s in ended["steps"]] == ["SUCCEEDED", "SUCCEEDED"]


def test_an_advancement_that_fails_leaves_the_end_recorded_for_the_tick(engine, life, monkeypatch):
    run, a_id = _chain(life)
    real = workflow_steps.advance_sent

    def fails(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the advancement")

    monkeypatch.setattr(workflow_steps, "advance_sent", fails)
    engine.run_until(lambda: engine.status(a_id) == "SUCCEEDED")
    assert _steps(life.get_run(run["id"]))["b"] == ("WAITING", [])
    monkeypatch.setattr(workflow_steps, "advance_sent", real)
    engine.clock.advance(seconds=workflow_steps.LAG_S + 1)
    ended = engine.run_until(lambda: (r := life.get_run(run["id"]))["status"] == "SUCCEEDED" and r)
    assert [s["status"] for s in ended["steps"]] == ["SUCCEEDED", "SUCCEEDED"]


def test_a_released_steps_lost_push_is_repaired_by_the_tick(engine, life, monkeypatch):
    """The next step's execution is written QUEUED with the end that releases it, and
    pushed after the commit: a push lost then is the tick's repair's, within seconds."""
    from jobsched.errors import DependencyError
    from jobsched.handoff import Handoff
    from jobsched.scheduler import PUSH_GRACE

    run, a_id = _chain(life)
    engine.scheduler.run_once(engine.clock.now())  # the first pass's reconcile is done
    real = Handoff._push

    def lost(self: Handoff, items: Any, *args: Any, **kwargs: Any) -> Any:
        if any(item.execution_id != a_id for item, _ in items):
            raise DependencyError("Redis unavailable")
        return real(self, items, *args, **kwargs)

    monkeypatch.setattr(Handoff, "_push", lost)
    worker = engine.worker()
    worker.run_once(engine.clock.now())
    wait_for(lambda: worker.completed, what="step a's handler to end")
    worker.flush(engine.clock.now())
    (b_id,) = _steps(life.get_run(run["id"]))["b"][1]
    assert engine.status(b_id) == "QUEUED" and engine.queue.unknown([b_id]) == [b_id]
    monkeypatch.setattr(Handoff, "_push", real)
    engine.clock.advance(seconds=PUSH_GRACE.total_seconds() + 0.5)
    assert engine.scheduler.run_once(engine.clock.now()).repaired == 1
    ended = engine.run_until(
        lambda: (r := life.get_run(run["id"]))["status"] == "SUCCEEDED" and r, worker
    )
    assert [s["status"] for s in ended["steps"]] == ["SUCCEEDED", "SUCCEEDED"]
