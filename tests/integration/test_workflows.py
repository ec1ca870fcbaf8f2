"""Workflows on real PostgreSQL and Redis (issue 23): conditions, the skip cascade,
fan-out and fan-in, references, cancel, retry from failure, a bad definition's 400s
(a step's end and its advancement in one transaction: test_workflow_atomic.py)."""

from __future__ import annotations

from typing import Any

import pytest

from handlers import register_builtins
from jobsched.errors import ConflictError, ValidationError
from jobsched.handler_settings import HandlerSettings
from jobsched.registry import HandlerRegistry
from jobsched.workflow_life import WorkflowLife
from tests.integration.engine import Engine

FAIL = {"durationMs": 0, "shouldFail": True, "failMessage": "boom"}


@pytest.fixture
def life(engine: Engine) -> WorkflowLife:
    return WorkflowLife(
        engine.store, engine.queue, engine.registry, HandlerSettings(), engine.clock, "tester"
    )


@pytest.fixture
def seen() -> list[dict[str, Any]]:
    """What the ``test.inputs`` handler saw of ``ctx.inputs``."""
    return []


@pytest.fixture
def fails() -> dict[str, bool]:
    """Whether ``test.flaky`` fails for now."""
    return {"now": True}


@pytest.fixture
def registry(seen, fails) -> HandlerRegistry:
    registry = HandlerRegistry()  # not builtin_registry(): that one is shared
    register_builtins(registry)

    @registry.register("test.inputs")
    def inputs(payload: dict[str, Any], ctx: Any) -> Any:
        seen.append(dict(ctx.inputs))
        return {"inputs": ctx.inputs, "payload": payload}

    @registry.register("test.flaky")
    def flaky(payload: dict[str, Any], ctx: Any) -> Any:
        if fails["now"]:
            raise RuntimeError("not yet")
        return {"ok": True}

    return registry


def _step(sid: str, **more: Any) -> dict[str, Any]:
    return {"id": sid, "handler": "test.echo", "max_retries": 0, **more}


def _failing(sid: str, **more: Any) -> dict[str, Any]:
    return _step(sid, handler="test.delay", payload=FAIL, **more)


def _run(engine: Engine, life: WorkflowLife, steps: list[dict[str, Any]], **trigger: Any):
    wf = life.create({"name": f"wf-{len(steps)}-{id(steps)}", "steps": steps})
    run = life.trigger(wf["id"], trigger or None)
    ended = engine.run_until(
        lambda: (
            (r := life.get_run(run["id"]))["status"] in ("SUCCEEDED", "FAILED", "CANCELLED") and r
        )
    )
    return ended


def _steps(run: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {s["id"]: (s["status"], s["reason"]) for s in run["steps"]}


def _result(engine: Engine, run: dict[str, Any], sid: str) -> Any:
    (step,) = [s for s in run["steps"] if s["id"] == sid]
    return [engine.store.executions.get(e).result for e in step["execution_ids"]]


def test_a_chain_passes_results_downstream_and_succeeds(engine, life, seen):
    run = _run(
        engine,
        life,
        [
            _step("extract", payload={"rows": [1, 2], "day": {"$ref": "input.day"}}),
            _step(
                "load",
                handler="test.inputs",
                after=["extract"],
                payload={"n": {"$ref": "steps.extract.result.rows.1"}},
            ),
        ],
        input={"day": "mon"},
    )
    assert run["status"] == "SUCCEEDED", run
    assert _steps(run) == {"extract": ("SUCCEEDED", None), "load": ("SUCCEEDED", None)}
    assert seen == [{"extract": {"rows": [1, 2], "day": "mon"}}]
    assert _result(engine, run, "load")[0]["payload"] == {"n": 2}
    for step in run["steps"]:
        (eid,) = step["execution_ids"]
        execution = engine.store.executions.get(eid)
        assert (execution.workflow_run_id, execution.step_id) == (run["id"], step["id"])
        assert execution.idempotency_key == f"workflow-run:{run['id']}:{step['id']}:0"


def test_a_failure_skips_its_downstream_and_runs_the_failure_and_always_steps(engine, life):
    run = _run(
        engine,
        life,
        [
            _failing("extract"),
            _step("load", after=["extract"]),
            _step("report", after=["load"]),
            _step("page", after=["extract"], when="failure"),
            _step("cleanup", after=["report"], when="always"),
            _step("celebrate", after=["load"], when="failure"),
        ],
    )
    assert run["status"] == "FAILED"
    steps = _steps(run)
    assert steps["extract"][0] == "FAILED" and "boom" in steps["extract"][1]
    assert steps["load"] == ("SKIPPED", "upstream step 'extract' FAILED")
    assert steps["report"] == ("SKIPPED", "upstream step 'load' SKIPPED")
    assert steps["page"] == ("SUCCEEDED", None)
    assert steps["cleanup"] == ("SUCCEEDED", None)
    assert steps["celebrate"] == ("SKIPPED", "no upstream step failed")


def test_a_failure_step_is_skipped_when_nothing_failed(engine, life):
    run = _run(engine, life, [_step("a"), _step("alert", after=["a"], when="failure")])
    assert run["status"] == "SUCCEEDED"
    assert _steps(run)["alert"] == ("SKIPPED", "no upstream step failed")


def test_fan_out_runs_each_item_and_fan_in_sees_the_results_in_item_order(engine, life, seen):
    items = list(range(7))
    run = _run(
        engine,
        life,
        [
            _step("list", payload={"ids": items}),
            _step(
                "each",
                after=["list"],
                for_each={"$ref": "steps.list.result.ids"},
                payload={"id": {"$ref": "item"}},
                max_concurrency=3,
            ),
            _step("sum", handler="test.inputs", after=["each"]),
        ],
    )
    assert run["status"] == "SUCCEEDED", run
    each = next(s for s in run["steps"] if s["id"] == "each")
    assert each["items"] == 7 and len(each["execution_ids"]) == 7
    assert seen == [{"each": [{"id": i} for i in items]}]


def test_a_missing_reference_fails_its_step_naming_the_path(engine, life):
    run = _run(
        engine,
        life,
        [
            _step("a", payload={"x": 1}),
            _step("b", after=["a"], payload={"y": {"$ref": "steps.a.result.nope"}}),
        ],
    )
    assert run["status"] == "FAILED"
    status, reason = _steps(run)["b"]
    assert status == "FAILED" and "steps.a.result.nope" in reason and "'nope'" in reason
    assert next(s for s in run["steps"] if s["id"] == "b")["execution_ids"] == []


def test_cancel_ends_running_and_waiting_steps_and_their_executions(engine, life):
    wf = life.create(
        {
            "name": "slow",
            "steps": [
                _step("slow", handler="test.delay", payload={"durationMs": 60_000}),
                _step("after", after=["slow"]),
            ],
        }
    )
    run = life.trigger(wf["id"], None)
    worker = engine.worker()
    worker.run_once(engine.clock.now())
    (eid,) = run["steps"][0]["execution_ids"]
    cancelled = life.cancel_run(run["id"])
    assert cancelled["status"] == "CANCELLED"
    assert _steps(cancelled) == {
        "slow": ("CANCELLED", "the workflow run was cancelled"),
        "after": ("CANCELLED", "the workflow run was cancelled"),
    }
    engine.run_until(lambda: engine.status(eid) == "CANCELLED", worker)
    with pytest.raises(ConflictError):
        life.cancel_run(run["id"])


def test_retry_from_failure_runs_failed_and_skipped_steps_and_keeps_succeeded_ones(
    engine, life, fails
):
    run = _run(
        engine,
        life,
        [
            _step("a", payload={"v": 1}),
            _step("b", handler="test.flaky", after=["a"]),
            _step("c", after=["b"]),
        ],
    )
    assert _steps(run)["c"][0] == "SKIPPED" and run["status"] == "FAILED"
    (a_id,) = run["steps"][0]["execution_ids"]
    (b_id,) = run["steps"][1]["execution_ids"]
    fails["now"] = False
    again = life.retry_run(run["id"])
    assert again["status"] == "RUNNING"
    ended = engine.run_until(lambda: (r := life.get_run(run["id"]))["status"] == "SUCCEEDED" and r)
    assert _steps(ended) == {k: ("SUCCEEDED", None) for k in "abc"}
    # the succeeded step kept its one execution; the failed one ran again in its own row
    assert ended["steps"][0]["execution_ids"] == [a_id]
    assert ended["steps"][1]["execution_ids"] == [b_id]
    assert engine.store.executions.get(a_id).attempt == 1
    assert engine.store.executions.get(b_id).attempt == 2
    with pytest.raises(ConflictError):
        life.retry_run(run["id"])


def test_a_repeated_trigger_with_one_idempotency_key_answers_the_first_run(engine, life):
    wf = life.create({"name": "once", "steps": [_step("a")]})
    first = life.trigger(wf["id"], {"input": {"x": 1}}, key="k-1")
    again = life.trigger(wf["id"], {"input": {"x": 2}}, key="k-1")
    assert again["id"] == first["id"] and again["input"] == {"x": 1}
    assert life.runs(wf["id"], {})["total"] == 1


def test_a_run_for_later_waits_pending(engine, life):
    wf = life.create({"name": "later", "steps": [_step("a")]})
    run = life.trigger(wf["id"], {"delay_ms": 60_000})
    assert run["status"] == "PENDING"
    (eid,) = run["steps"][0]["execution_ids"]
    worker = engine.worker()
    worker.run_once(engine.clock.now())
    worker.flush(engine.clock.now())
    assert engine.status(eid) in ("PENDING", "QUEUED")
    engine.clock.advance(seconds=61)
    ended = engine.run_until(
        lambda: (r := life.get_run(run["id"]))["status"] == "SUCCEEDED" and r, worker
    )
    assert ended["started_at"] is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "steps": [_step("a", after=["b"]), _step("b", after=["a"])]}, "steps"),
        ({"name": "x", "steps": [_step("a", handler="no.such")]}, "steps[0].handler"),
        ({"name": "x", "steps": [_step("a", after=["zz"])]}, "steps[0].after"),
        (
            {"name": "x", "steps": [_step("a", handler="test.delay", payload={"durationMs": "x"})]},
            "steps[0].payload.durationMs",
        ),
    ],
)
def test_a_bad_definition_is_refused_and_nothing_is_written(engine, life, body, field):
    with pytest.raises(ValidationError) as err:
        life.create(body)
    assert field in err.value.fields
    assert life.list({})["total"] == 0


def test_the_jobs_list_does_not_show_a_workflows_internal_job(engine, life):
    life.create({"name": "hidden", "steps": [_step("a")]})
    assert engine.service.list_jobs({})["total"] == 0


def test_each_run_step_and_item_has_exactly_one_execution_row(engine, life):
    wf = life.create({"name": "one-row", "steps": [_step("a", payload={"n": 1})]})
    run = life.trigger(wf["id"], None)
    store = engine.store
    with store.tx() as conn:
        row = store.workflows.lock_run(conn, run["id"])
        job_id = row["job_id"]
        again = {
            "step_id": "a",
            "item": 0,
            "payload": {"n": 2},
            "inputs": {},
            "handler": "test.echo",
            "pool": "default",
            "priority": 50,
            "max_retries": 0,
            "timeout_ms": 1000,
            "retry_backoff_ms": 0,
            "retry_backoff_max_ms": 0,
        }
        # A second advancement racing the first writes nothing (the unique index).
        assert (
            store.workflows.write_step_executions(conn, row, job_id, [again], 0, engine.clock.now())
            == []
        )
        _, executions = store.workflows.run_state(conn, row)
    assert [(e["step_id"], e["step_item"]) for e in executions] == [("a", 0)]


def test_the_catch_up_starts_due_runs_and_leaves_healthy_ones_alone(engine, life):
    busy = life.create(
        {"name": "busy", "steps": [_step("slow", handler="test.delay", payload={"durationMs": 1})]}
    )
    later = life.create({"name": "later-one", "steps": [_step("a")]})
    running = life.trigger(busy["id"], None)
    pending = life.trigger(later["id"], {"delay_ms": 5_000})
    assert (running["status"], pending["status"]) == ("RUNNING", "PENDING")
    engine.clock.advance(seconds=10)
    engine.scheduler.run_once(engine.clock.now())
    # nothing ended in the busy run: not advanced, not even touched
    assert life.get_run(running["id"])["updated_at"] == running["updated_at"]
    assert life.get_run(pending["id"])["status"] == "RUNNING"
