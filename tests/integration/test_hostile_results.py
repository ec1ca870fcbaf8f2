"""Whatever a handler returns or raises ends its run in a final state, and the worker
keeps working: NUL bytes, lone surrogates, binary output, NaN, deep nesting."""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace

import pytest

from handlers import register_builtins
from jobsched import execution_record
from jobsched.domain.recording import Finish
from jobsched.domain.retry import RetryPolicy
from jobsched.domain.states import AttemptOutcome
from jobsched.domain.validation import validate_job_create
from jobsched.handler_settings import HandlerSettings
from jobsched.job_life import create_job
from jobsched.registry import HandlerRegistry
from jobsched.settings import Settings
from jobsched.trigger import trigger
from tests.integration.engine import Engine


@pytest.fixture(params=[0, 60_000], ids=["recorded-at-start", "written-once"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Both ways a worker records a run: RUNNING at its start, or once when it ends."""
    return replace(settings, record_running_after_ms=request.param)


PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def _deep(levels: int) -> object:
    value: object = "bottom"
    for _ in range(levels):
        value = [value]
    return value


HOSTILE = {
    "nul_text": lambda: "a\x00b",
    "png": lambda: PNG_HEADER,
    "utf8_bytes": lambda: "café\x00".encode(),
    "surrogates": lambda: {"text": "bad \udc80 end", "\ud800key\x00": ["\x00", b"\xff"]},
    "nan": lambda: {"x": float("nan"), "y": float("inf")},
    "deep": lambda: _deep(5000),
}


@pytest.fixture
def hostile_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    register_builtins(registry)

    @registry.register("test.hostile")
    def hostile(payload, ctx):
        kind = payload["kind"]
        if kind == "nul_error":
            raise RuntimeError("exit 1: stderr a\x00b \udcff")
        if kind == "fine":
            return {"ok": True}
        if kind == "exit":
            raise SystemExit(3)  # user code calling sys.exit() inside a handler
        if kind == "interrupt":
            raise KeyboardInterrupt
        if kind == "huge_int":
            return {"n": 10**5000}  # past Python's int-to-str limit: json.dumps raises
        return HOSTILE[kind]()

    return registry


@pytest.fixture
def hostile_engine(store, queue, settings, hostile_registry, clock) -> Engine:
    return Engine(store, queue, settings, hostile_registry, clock)


def _job(engine: Engine) -> str:
    body = {"name": f"hostile-{uuid.uuid4().hex[:8]}", "handler": "test.hostile", "max_retries": 0}
    data = validate_job_create(body, engine.registry, engine.settings)
    return create_job(engine.store, data, engine.clock.now()).id


def test_hostile_results_and_errors_end_final_and_the_worker_keeps_claiming(
    hostile_engine: Engine,
) -> None:
    engine = hostile_engine
    job_id = _job(engine)
    kinds = [*HOSTILE, "nul_error", "fine"]
    runs = [{"payload": {"kind": k}} for k in kinds]
    created = trigger(engine.store, job_id, engine.clock.now(), runs)
    ids = {k: e.id for k, e in zip(kinds, created, strict=True)}
    worker = engine.worker()
    final = {"SUCCEEDED", "FAILED"}
    engine.run_until(lambda: all(engine.status(i) in final for i in ids.values()), worker)

    got = {k: engine.store.executions.get(i) for k, i in ids.items()}
    assert got["fine"].result == {"ok": True}
    assert got["nul_text"].status == "SUCCEEDED"
    assert got["nul_text"].result == "a\ufffdb"
    assert got["png"].result == {"base64": base64.b64encode(PNG_HEADER).decode()}
    assert got["utf8_bytes"].result == "café\ufffd"
    assert got["surrogates"].result == {
        "text": "bad \ufffd end",
        "\ufffdkey\ufffd": ["\ufffd", {"base64": "/w=="}],
    }
    assert got["nan"].result == {"x": "nan", "y": "inf"}
    assert got["deep"].status == "SUCCEEDED"
    failed = got["nul_error"]
    assert failed.status == "FAILED"
    assert failed.error == "exit 1: stderr a\ufffdb \ufffd"
    assert failed.attempts[-1].error == failed.error
    assert engine.store.dead_letter.list().items[0].error == failed.error

    # Nothing is stuck on the worker: its capacity is whole and it takes new work.
    assert not worker.running and not worker.completed
    (later,) = trigger(engine.store, job_id, engine.clock.now(), [{"payload": {"kind": "fine"}}])
    engine.run_until(lambda: engine.status(later.id) == "SUCCEEDED", worker)


def test_a_result_that_cannot_be_cleaned_fails_its_run_at_once_and_frees_the_slot(
    hostile_engine: Engine,
) -> None:
    engine = hostile_engine
    job_id = _job(engine)
    (run,) = trigger(engine.store, job_id, engine.clock.now(), [{"payload": {"kind": "huge_int"}}])
    worker = engine.worker()
    # The fake clock does not move: a run held until its timeout_ms would never end.
    engine.run_until(lambda: engine.status(run.id) == "FAILED", worker)
    failed = engine.store.executions.get(run.id)
    assert failed.error.startswith("the handler's result cannot be stored")
    assert "digits" in failed.error
    assert not worker.running
    (later,) = trigger(engine.store, job_id, engine.clock.now(), [{"payload": {"kind": "fine"}}])
    engine.run_until(lambda: engine.status(later.id) == "SUCCEEDED", worker)


@pytest.mark.parametrize("kind", ["exit", "interrupt"])
def test_a_handler_that_exits_fails_its_run_at_once_and_the_worker_goes_on(
    hostile_engine: Engine, kind: str
) -> None:
    engine = hostile_engine
    job_id = _job(engine)
    runs = [{"payload": {"kind": kind}}, {"payload": {"kind": "fine"}}]
    bad, fine = trigger(engine.store, job_id, engine.clock.now(), runs)
    worker = engine.worker()
    # The fake clock does not move: a run left without an end would wait forever.
    engine.run_until(
        lambda: {engine.status(bad.id), engine.status(fine.id)} == {"FAILED", "SUCCEEDED"}, worker
    )
    assert engine.status(bad.id) == "FAILED"
    assert engine.store.executions.get(bad.id).error.startswith(
        "SystemExit" if kind == "exit" else "KeyboardInterrupt"
    )
    (later,) = trigger(engine.store, job_id, engine.clock.now(), [{"payload": {"kind": "fine"}}])
    engine.run_until(lambda: engine.status(later.id) == "SUCCEEDED", worker)
    assert not worker.running


def test_a_row_postgres_refuses_fails_alone_and_the_rest_of_the_batch_is_recorded(
    engine: Engine,
) -> None:
    job_id = engine.create_job()
    good, bad = trigger(engine.store, job_id, engine.clock.now(), [{}, {}])
    engine.scheduler.run_once(engine.clock.now())
    claims = engine.queue.claim(2, engine.clock.now(), engine.settings.visibility_timeout_ms)
    tokens = {c.execution_id: c.token for c in claims}
    execution_record.start(engine.store, list(tokens.items()), "w1", engine.clock.now())
    # Unsanitised output, as a handler bypassing the worker's cleaning could produce.
    finishes = [
        Finish(good.id, tokens[good.id], AttemptOutcome.SUCCEEDED, result={"ok": True}),
        Finish(bad.id, tokens[bad.id], AttemptOutcome.SUCCEEDED, result={"t": "a\x00b"}),
    ]
    policy = RetryPolicy(max_deliveries=engine.settings.max_deliveries)
    recorded = execution_record.finish(engine.store, finishes, engine.clock.now(), policy)
    assert {i: r.status for i, r in recorded.items()} == {good.id: "SUCCEEDED", bad.id: "FAILED"}
    assert engine.store.executions.get(good.id).result == {"ok": True}
    refused = engine.store.executions.get(bad.id)
    assert refused.status == "FAILED"
    assert "could not be stored" in refused.error
    assert refused.attempts[-1].outcome == "FAILED"
    (entry,) = engine.store.dead_letter.list().items
    assert entry.execution_id == bad.id


def test_shell_output_with_nul_bytes_is_stored(store, queue, registry, clock, settings) -> None:

    allowed = HandlerSettings(shell_allowed_commands=("printf",))
    engine = Engine(store, queue, settings, registry, clock, allowed)
    body = {
        "name": "nul-printer",
        "handler": "shell.command",
        "payload": {"command": "printf", "args": ["a\\0b"]},
    }
    data = validate_job_create(body, registry, engine.handler_settings)
    job_id = create_job(store, data, clock.now()).id
    (execution,) = trigger(store, job_id, clock.now())
    engine.run_until(lambda: engine.status(execution.id) == "SUCCEEDED")
    assert store.executions.get(execution.id).result["stdout"] == "a\ufffdb"
