"""Workflow steps under keyed flow control (issue 24): a step's own ``concurrency`` and
``rate``, else its handler's defaults, written on its executions so that the claim
holds them as it holds a job's runs; a step's bad controls refused naming the field."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
import uuid
from typing import Any

import pytest

from handlers import register_builtins
from jobsched.errors import ValidationError
from jobsched.handler_settings import HandlerSettings
from jobsched.registry import HandlerRegistry
from jobsched.workflow_life import WorkflowLife
from tests.integration.engine import Engine

ONE_AT_A_TIME = {"key": "x", "limit": 1}


@pytest.fixture
def spans() -> list[tuple[float, float]]:
    """Each ``test.span`` call's (start, finish), as the handler saw them."""
    return []


@pytest.fixture
def registry(spans) -> HandlerRegistry:
    registry = HandlerRegistry()  # not builtin_registry(): that one is shared
    register_builtins(registry)
    lock = threading.Lock()

    @registry.register("test.span")
    def span(payload: dict[str, Any], ctx: Any) -> Any:
        start = time.monotonic()
        time.sleep(0.05)  # long enough for a second slot's claim to overlap it
        with lock:
            spans.append((start, time.monotonic()))
        return payload

    return registry


@pytest.fixture
def life(engine: Engine) -> WorkflowLife:
    return WorkflowLife(
        engine.store, engine.queue, engine.registry, HandlerSettings(), engine.clock, "tester"
    )


def _fan_out(**each: Any) -> list[dict[str, Any]]:
    return [
        {"id": "list", "handler": "test.echo", "payload": {"ids": [1, 2, 3, 4]}},
        {
            "id": "each",
            "handler": "test.span",
            "after": ["list"],
            "for_each": {"$ref": "steps.list.result.ids"},
            "payload": {"id": {"$ref": "item"}},
            "max_retries": 0,
            **each,
        },
    ]


def _run(engine: Engine, life: WorkflowLife, steps: list[dict[str, Any]]) -> dict[str, Any]:
    wf = life.create({"name": f"wf-{uuid.uuid4().hex[:8]}", "steps": steps})
    run = life.trigger(wf["id"], None)
    return engine.run_until(
        lambda: (r := life.get_run(run["id"]))["status"] in ("SUCCEEDED", "FAILED") and r
    )


def _keys(engine: Engine, run: dict[str, Any], step: str) -> list[tuple]:
    with engine.store.tx() as conn:
        rows = conn.execute(
            "SELECT concurrency_key, concurrency_limit, rate_key, rate_limit, rate_period_ms"
            " FROM executions WHERE workflow_run_id = %s AND step_id = %s ORDER BY step_item",
            (run["id"], step),
        ).fetchall()
    return [tuple(r.values()) for r in rows]


def _wide_worker(engine: Engine) -> None:
    """A worker with room for every item at once: only the key keeps them apart."""
    engine.settings = dataclasses.replace(engine.settings, max_concurrent_jobs=4)
    engine.worker()


def test_a_fan_out_under_a_key_of_limit_one_never_runs_two_items_at_once(engine, life, spans):
    _wide_worker(engine)
    run = _run(engine, life, _fan_out(concurrency=ONE_AT_A_TIME))
    assert run["status"] == "SUCCEEDED", run
    assert _keys(engine, run, "each") == [("x", 1, None, None, None)] * 4
    assert len(spans) == 4
    ordered = sorted(spans)
    for (_, end), (start, _) in itertools.pairwise(ordered):
        assert end <= start, ordered


def test_a_steps_key_reads_its_resolved_payload_and_its_rate_is_written(engine, life):
    run = _run(
        engine,
        life,
        _fan_out(
            concurrency={"key": {"$ref": "payload.id"}, "limit": 2},
            rate={"key": "shared", "limit": 10, "period_ms": 60_000},
        ),
    )
    assert run["status"] == "SUCCEEDED", run
    assert _keys(engine, run, "each") == [(str(i), 2, "shared", 10, 60_000) for i in (1, 2, 3, 4)]
    # The step without controls writes none.
    assert _keys(engine, run, "list") == [(None, None, None, None, None)]


def test_a_handlers_default_applies_to_a_step_that_declares_none(engine, life):
    name = f"flow.step-{uuid.uuid4().hex[:8]}"  # the catalog outlives the test
    engine.registry.register(name)(lambda p, c: p)
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
    run = _run(
        engine,
        life,
        [
            {"id": "plain", "handler": name},
            {"id": "own", "handler": name, "concurrency": {"key": "own", "limit": 1}},
        ],
    )
    assert run["status"] == "SUCCEEDED", run
    assert [k[:2] for k in _keys(engine, run, "plain")] == [("from-handler", 3)]
    assert [k[:2] for k in _keys(engine, run, "own")] == [("own", 1)]


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"concurrency": {"key": "x", "limit": 0}}, "steps[0].concurrency.limit"),
        ({"concurrency": {"key": {"$ref": "input.x"}, "limit": 1}}, "steps[0].concurrency.key"),
        (
            {"rate": {"key": "x", "limit": 1, "period_ms": 1000, "mode": "reject"}},
            "steps[0].rate.mode",
        ),
        ({"concurrency": {"key": {"$ref": "payload.nope"}, "limit": 1}}, "steps[0].payload.nope"),
    ],
)
def test_a_steps_bad_control_is_refused_naming_the_field(life, step, field):
    body = {"name": "bad", "steps": [{"id": "a", "handler": "test.echo", **step}]}
    with pytest.raises(ValidationError) as exc:
        life.create(body)
    assert field in exc.value.fields, exc.value.fields
