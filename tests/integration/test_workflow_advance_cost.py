"""What a workflow's advancement costs (issue 23's latency goal): a fan-out's item that
ends while others of its step are still running is recorded without reading the run's
executions again (a counter of the step's open items, kept in the same transaction), so
a fan-out of N items reads them O(1) times, not once per item; and a chain's step end,
with the next step it releases, takes a bounded handful of statements."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from jobsched import worker_launched, workflow_steps
from jobsched.handler_settings import HandlerSettings
from jobsched.store.queries import q
from jobsched.workflow_life import WorkflowLife
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for

ITEMS = 24


@contextmanager
def statements(
    monkeypatch: pytest.MonkeyPatch, piped: list[bool] | None = None
) -> Iterator[list[str]]:
    """The text of each SQL statement this process sends (the pool's check of an idle
    connection, an empty query, left out); and in ``piped``, whether each was sent in
    pipeline mode (sent with others, its answer awaited only when read: statements
    sent one by one cost a round trip each)."""
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else query.as_string(self.connection)
        if text.strip():
            sent.append(text)
            if piped is not None:
                piped.append(self.connection._pipeline is not None)
        return execute(self, query, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", counted)
        yield sent


def _first(text: str) -> str:
    """A statement's first line of SQL (its comments skipped)."""
    return next(line for line in text.splitlines() if line.strip() and not line.startswith("--"))


AWAITED = ("_fetch_gen", "_sync_gen", "_exit_gen", "_commit_gen", "_rollback_gen")
"""psycopg's steps that wait for the server's answers (psycopg 3: ``Connection.wait``
runs one generator per step; a statement sent in a pipeline is not awaited)."""


@contextmanager
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each time this process waits for PostgreSQL's answer: a statement sent alone, a
    pipeline's results read, its sync (COMMIT with the last statements), a commit."""
    waits: list[str] = []
    wait = psycopg.Connection.wait

    def counted(self: psycopg.Connection[Any], gen: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(gen, "__name__", "")
        idle = self.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        if name in ("_commit_gen", "_rollback_gen") and idle:
            pass  # nothing to end: nothing sent (the pool's end of a block)
        elif name in AWAITED or (name == "_execute_gen" and self._pipeline is None):
            waits.append(name)
        return wait(self, gen, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Connection, "wait", counted)
        yield waits


@pytest.fixture
def narrow(engine: Engine) -> Engine:
    """An engine whose worker runs 2 items at a time: a fan-out's ends come in many
    small batches, each recorded with its advancement."""
    return Engine(
        engine.store,
        engine.queue,
        dataclasses.replace(engine.settings, max_concurrent_jobs=2),
        engine.registry,
        engine.clock,
    )


def _life(engine: Engine) -> WorkflowLife:
    return WorkflowLife(
        engine.store, engine.queue, engine.registry, HandlerSettings(), engine.clock, "tester"
    )


def _work(engine: Engine, until: Any) -> None:
    worker = engine.workers[0] if engine.workers else engine.worker()

    def step() -> bool:
        worker.run_once(engine.clock.now())
        worker.flush(engine.clock.now())
        return until()

    wait_for(step, timeout=30, what="the workflow run to end")


def _fan(life: WorkflowLife) -> dict[str, Any]:
    wf = life.create(
        {
            "name": "fan",
            "steps": [
                {
                    "id": "fan",
                    "handler": "test.echo",
                    "for_each": {"$ref": "input.items"},
                    "payload": {"n": {"$ref": "item"}},
                },
                {
                    "id": "join",
                    "handler": "test.echo",
                    "after": ["fan"],
                    "payload": {"all": {"$ref": "steps.fan.result"}},
                },
            ],
        }
    )
    return life.trigger(wf["id"], {"input": {"items": list(range(ITEMS))}})


def _ended(engine: Engine, run_id: str) -> str | None:
    with engine.store.tx() as conn:
        row = conn.execute("SELECT status FROM workflow_runs WHERE id = %s", (run_id,))
        status = row.fetchone()["status"]
    return status if status in ("SUCCEEDED", "FAILED", "CANCELLED") else None


def test_a_fan_outs_item_ends_do_not_read_the_runs_executions_each_time(narrow, monkeypatch):
    life = _life(narrow)
    run = _fan(life)
    full_read = q("workflow_run_executions")
    with statements(monkeypatch) as sent:
        _work(narrow, lambda: _ended(narrow, run["id"]))
    # 24 items end in batches of at most 2: read once when the last item ends (the fan-in)
    # and once when the join ends, never per batch.
    assert sum(1 for s in sent if s == full_read) <= 3
    ended = life.get_run(run["id"])
    assert ended["status"] == "SUCCEEDED"
    assert [s["status"] for s in ended["steps"]] == ["SUCCEEDED", "SUCCEEDED"]
    join = narrow.store.executions.get(ended["steps"][1]["execution_ids"][0])
    # the fan-in still sees every item's result, in item order
    assert [r["n"] for r in join.result["all"]] == list(range(ITEMS))


def test_a_user_cancelling_one_item_still_ends_the_fan_out_at_once(narrow):
    life = _life(narrow)
    run = _fan(life)
    items = run["steps"][0]["execution_ids"]
    assert len(items) == ITEMS
    narrow.service.cancel_execution(items[3])
    # the other items' ends are counted from what the cancel's advancement left: the
    # last of them ends the step without the tick's catch-up (the clock never moves)
    _work(narrow, lambda: _ended(narrow, run["id"]))
    ended = life.get_run(run["id"])
    assert ended["status"] == "CANCELLED"
    assert [s["status"] for s in ended["steps"]] == ["CANCELLED", "SKIPPED"]


def test_an_item_end_whose_advancement_was_lost_is_caught_up_by_the_tick(narrow, monkeypatch):
    """A cancel whose advancement never ran (its process died after writing it) leaves
    the step's open items one too many: the run is then not stuck, the tick's catch-up
    advances it from what the executions say."""
    life = _life(narrow)
    run = _fan(life)
    items = run["steps"][0]["execution_ids"]
    with monkeypatch.context() as patch:
        patch.setattr(workflow_steps, "after_ends", lambda *args, **kwargs: None)
        narrow.service.cancel_execution(items[3])
    _work(narrow, lambda: all(narrow.status(i) != "QUEUED" for i in items))
    assert life.get_run(run["id"])["status"] == "RUNNING"
    narrow.clock.advance(seconds=workflow_steps.LAG_S + 1)
    ended = narrow.run_until(lambda: _ended(narrow, run["id"]))
    assert ended == "CANCELLED"


def test_a_chain_steps_end_and_the_step_it_releases_go_in_a_few_round_trips(engine, monkeypatch):
    """The end of a chain's step, the run's advancement and the next step's execution
    are one pipelined transaction: the lock goes with BEGIN and the end, the run's two
    reads together, its writes with the next step's insert, the rest with COMMIT; and
    the flow-control defaults of the steps' handlers come with the lock."""
    life = _life(engine)
    steps = [
        {"id": "a", "handler": "test.echo"},
        {"id": "b", "handler": "test.echo", "after": ["a"]},
        {"id": "c", "handler": "test.echo", "after": ["b"]},
    ]
    wf = life.create({"name": "chain", "steps": steps})
    run = life.trigger(wf["id"], None)
    worker = engine.worker()
    worker.run_once(engine.clock.now())
    wait_for(lambda: worker.completed, what="step a's handler to end")
    piped: list[bool] = []
    with statements(monkeypatch, piped) as sent, round_trips(monkeypatch) as waits:
        worker.flush(engine.clock.now())
    # BEGIN, the lock, the end and the run's reads in one; its writes, the next step's
    # insert (and its row, as a claim reads it) with COMMIT in the other (a read whose
    # answer is still on its way when the first is read may cost a short third)
    assert len(waits) <= 3, waits
    (b_id,) = life.get_run(run["id"])["steps"][1]["execution_ids"]
    assert engine.queue.ready_ids() == [b_id]  # pushed, claimable at once
    work = [s for s in sent if s.strip() not in ("BEGIN", "COMMIT")]
    alone = [_first(s) for s, p in zip(sent, piped, strict=True) if not p]
    assert not alone, alone  # each of these would be a round trip of its own
    assert len(work) <= 8  # lock, end, the run's steps and executions, writes, insert, touch,
    # and the new step's row as a claim reads it
    assert not any(s == q("handler_flows") for s in sent)
    # the worker that released b claims it at once, with the row read with that commit
    # (held for its next claim, which a busy machine may delay here: not a timing test)
    monkeypatch.setattr(worker_launched, "MAX_AGE_S", 60.0)
    with statements(monkeypatch) as sent:
        assert worker.run_once(engine.clock.now()) == 1
    assert q("claimed_executions") not in sent
    wait_for(lambda: worker.completed, what="step b's handler to end")
    ended = engine.run_until(lambda: _ended(engine, run["id"]), worker)
    assert ended == "SUCCEEDED"
