"""Runs for later are bounded (issue 20): ``run_at`` is capped like ``delay_ms``, a
job holds at most ``MAX_UNFINISHED_RUNS_PER_JOB`` unfinished runs (409 naming the
limit), the tick's reconcile reads unfinished runs in pages of bounded size, and a
trigger's idempotency key outlives retention while any of its runs still waits."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from jobsched import handoff
from jobsched.domain.triggering import execution_row
from jobsched.errors import ConflictError, DependencyError
from jobsched.service import JobService
from jobsched.store.execution_rows import ExecutionRows
from jobsched.store.queries import q
from jobsched.store.triggers import Triggers
from tests.integration import test_api
from tests.integration.engine import Engine
from tests.integration.helpers import someone_waits_for_a_lock, wait_for
from tests.integration.test_api import AUTH, Api, job_body

api = test_api.api  # the same in-process API fixture

LIMIT = 5


@pytest.fixture
def limited(engine: Engine) -> Iterator[Engine]:
    """The engine with a small MAX_UNFINISHED_RUNS_PER_JOB (requested before ``api``)."""
    engine.settings = dataclasses.replace(engine.settings, max_unfinished_runs_per_job=LIMIT)
    engine.service = JobService(
        engine.store, engine.queue, engine.registry, engine.settings, engine.clock
    )
    yield engine


def _total(engine: Engine, job_id: str) -> int:
    return engine.store.executions.list(job_id=job_id).total


# ------------------------------------------------------------------ run_at cap


def test_a_run_at_further_ahead_than_a_delay_may_be_is_a_400_naming_the_field(
    api: Api, engine: Engine
) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    path = f"/jobs/{job['id']}/trigger"
    now = engine.clock.now()
    far = (now + timedelta(days=367)).isoformat()
    code, answer = api.call("POST", path, {"run_at": far})
    assert code == 400 and "run_at" in answer["error"]["fields"], answer
    assert "366 days" in answer["error"]["fields"]["run_at"]
    code, answer = api.call("POST", path, {"runs": [{}, {"run_at": "2999-01-01T00:00:00Z"}]})
    assert code == 400 and list(answer["error"]["fields"]) == ["runs[1].run_at"], answer
    assert _total(engine, job["id"]) == 0
    # As far ahead as a delay may be is fine.
    late = api.ok("POST", path, {"run_at": (now + timedelta(days=366)).isoformat()}, 202)
    assert late["scheduled_for"] == (now + timedelta(days=366)).isoformat()


# ------------------------------------------------------- unfinished runs per job


def test_a_job_at_its_limit_of_unfinished_runs_refuses_more_with_a_409_naming_it(
    limited: Engine, api: Api
) -> None:
    job = api.ok("POST", "/jobs", job_body(schedule="*/10 * * * *"), 201)
    path = f"/jobs/{job['id']}/trigger"
    later = (limited.clock.now() + timedelta(days=30)).isoformat()
    api.ok("POST", path, {"runs": [{"run_at": later}] * 3}, 202)
    api.ok("POST", path, {"delay_ms": 60_000}, 202)

    code, answer = api.call("POST", path, {"runs": [{}, {}]})  # 4 + 2 > 5: all refused
    assert code == 409, answer
    assert answer["error"]["code"] == "conflict"
    assert answer["error"]["limit"] == LIMIT and answer["error"]["unfinished"] == 4
    assert "MAX_UNFINISHED_RUNS_PER_JOB" in answer["error"]["message"]
    assert _total(limited, job["id"]) == 4

    first = api.ok("POST", path, {}, 202)  # the fifth fits
    assert api.call("POST", path, {})[0] == 409
    now = limited.clock.now()
    body = {"start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}
    code, answer = api.call("POST", f"/jobs/{job['id']}/backfill", body)
    assert code == 409 and answer["error"]["limit"] == LIMIT, answer
    assert _total(limited, job["id"]) == 5

    # A finished run makes room again.
    limited.run_until(lambda: limited.status(first["id"]) == "SUCCEEDED")
    api.ok("POST", path, {}, 202)


def test_triggers_racing_at_the_limit_cannot_both_pass_the_check(
    limited: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first trigger is held between its count and its insert; the second, sent
    meanwhile, must wait for it and count its runs (5 fit: 3 + 3 do not). Both override
    the payload: the trigger that reads the job first."""
    job_id = limited.create_job()
    counted, go_on = threading.Event(), threading.Event()
    count = Triggers.unfinished_of_job

    def held(*args: Any) -> int:
        n = count(*args)
        if threading.current_thread().name == "first":
            counted.set()
            go_on.wait(10)
        return n

    monkeypatch.setattr(Triggers, "unfinished_of_job", staticmethod(held))
    outcomes: dict[str, Any] = {}

    def trigger() -> None:
        name = threading.current_thread().name
        try:
            runs = {"runs": [{"payload": {"n": 1}}] * 3}
            outcomes[name] = limited.service.trigger_job(job_id, runs)["total"]
        except Exception as exc:  # the loser's 409
            outcomes[name] = exc

    first = threading.Thread(target=trigger, name="first")
    first.start()
    assert counted.wait(10)
    second = threading.Thread(target=trigger, name="second")
    second.start()
    wait_for(lambda: someone_waits_for_a_lock(database_url) or not second.is_alive())
    go_on.set()
    first.join()
    second.join()
    assert outcomes["first"] == 3
    assert isinstance(outcomes["second"], ConflictError), outcomes
    assert outcomes["second"].details == {"limit": LIMIT, "unfinished": 3}
    assert _total(limited, job_id) == 3


def test_an_unread_trigger_waits_for_one_under_way_and_counts_its_runs(
    limited: Engine, database_url: str
) -> None:
    """A trigger that reads nothing first counts in its INSERT, under the runs lock it
    takes in the statement before: one sent while another holds the lock (its runs
    written, not committed) waits, then counts them (5 fit: 3 + 3 do not)."""
    job_id = limited.create_job()
    now = limited.clock.now()
    ids = [uuid.uuid4() for _ in range(3)]
    outcome: dict[str, Any] = {}

    def second() -> None:
        try:
            outcome["second"] = limited.service.trigger_job(job_id, {"runs": [{}] * 3})
        except Exception as exc:  # the 409
            outcome["second"] = exc

    with limited.store.tx() as conn:  # the first trigger, held before its COMMIT
        first = limited.store.triggers.write_triggered_unread(
            conn, uuid.UUID(job_id), ids, [now] * 3, [{}] * 3, "QUEUED", now, (), LIMIT, None
        )
        waiting = threading.Thread(target=second)
        waiting.start()
        wait_for(lambda: someone_waits_for_a_lock(database_url) or not waiting.is_alive())
    assert first is not None and first.written
    waiting.join()
    assert isinstance(outcome["second"], ConflictError), outcome
    assert outcome["second"].details == {"limit": LIMIT, "unfinished": 3}
    assert _total(limited, job_id) == 3


# ------------------------------------------------------------ the reconcile


def test_the_reconcile_reads_unfinished_runs_in_bounded_pages_and_repairs_them_all(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handoff, "RECONCILE_PAGE", 2)
    job_id = engine.create_job()
    engine.scheduler.run_once(engine.clock.now())  # the first reconcile, of nothing

    def lost(*args: Any, **kwargs: Any) -> None:
        raise DependencyError("Redis unavailable")

    # Written QUEUED, their push lost: only a reconcile (or the repair) finds them.
    monkeypatch.setattr(engine.service.handoff, "_push", lost)
    later = [{"delay_ms": 3_600_000 + i} for i in range(5)]
    runs = engine.service.trigger_job(job_id, {"runs": [*later, {}]})["items"]
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}

    read = engine.store.outbox.unfinished
    pages: list[tuple[Any, int]] = []

    def paged(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        rows = read(*args, **kwargs)
        if not args and kwargs.get("ids") is None:
            pages.append((kwargs.get("limit"), len(rows)))
        return rows

    monkeypatch.setattr(engine.store.outbox, "unfinished", paged)
    engine.clock.advance(seconds=60)  # past PUSH_GRACE and RECONCILE_EVERY
    report = engine.scheduler.run_once(engine.clock.now())

    assert report.reconciled == 6
    assert engine.queue.depth() == {"ready": 1, "in_flight": 0, "delayed": 5}
    # Never all at once: every read asked for one page, and it took several.
    assert pages and all(limit == 2 for limit, _ in pages), pages
    assert [n for _, n in pages] == [2, 2, 2, 0]
    assert engine.queue.for_pool("default").unknown([r["id"] for r in runs]) == []


# --------------------------------------------------------- idempotency keys


def test_an_idempotency_key_is_kept_while_its_run_still_waits(api: Api, engine: Engine) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    path = f"/jobs/{job['id']}/trigger"
    now = engine.clock.now()
    keyed = {**AUTH, "Idempotency-Key": "invoice-7"}
    body = {"run_at": (now + timedelta(days=60)).isoformat()}
    code, first = api.call("POST", path, body, headers=keyed)
    assert code == 202
    done = {**AUTH, "Idempotency-Key": "done-1"}
    code, finished = api.call("POST", path, {}, headers=done)
    engine.run_until(lambda: engine.status(finished["id"]) == "SUCCEEDED")

    # Both keys are older than the retention; the cleanup runs.
    with engine.store.tx() as conn:
        conn.execute("UPDATE trigger_keys SET created_at = created_at - interval '31 days'")
        conn.execute(
            "UPDATE executions SET finished_at = finished_at - interval '31 days'"
            " WHERE status = 'SUCCEEDED'"
        )
    engine.store.retention.delete_executions_older_than(now - timedelta(days=30))

    # The waiting run's key still answers with it: no second run.
    code, again = api.call("POST", path, body, headers=keyed)
    assert code == 202 and again["id"] == first["id"]
    assert _total(engine, job["id"]) == 1
    with engine.store.tx() as conn:
        keys = [r["key"] for r in conn.execute("SELECT key FROM trigger_keys")]
    assert keys == ["invoice-7"]  # the finished run's key went with its run


def test_a_backfill_and_a_trigger_of_one_job_at_once_do_not_deadlock(
    engine: Engine, database_url: str
) -> None:
    """A trigger takes the job's count lock, then its insert waits for the job row; a
    backfill must take them in that order too, or each would wait for the other."""
    job_id = engine.create_job(schedule="*/10 * * * *")
    now = engine.clock.now()
    body = {"start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}
    outcome: list[Any] = []

    def backfill() -> None:
        try:
            outcome.append(engine.service.backfill(job_id, body)["total"])
        except Exception as exc:  # a deadlock: PostgreSQL aborts one of the two
            outcome.append(exc)

    jid = uuid.UUID(job_id)
    with engine.store.tx() as conn:  # a trigger, between its count and its insert
        conn.execute(q("lock_job_executions"), {"job_id": jid})
        job = conn.execute(q("get_job"), {"id": jid}).fetchone()
        racer = threading.Thread(target=backfill)
        racer.start()
        wait_for(lambda: someone_waits_for_a_lock(database_url) or not racer.is_alive())
        row = execution_row(job, now + timedelta(hours=1), "trigger", now)
        assert len(ExecutionRows.insert_executions(conn, [row], {jid: "x"})) == 1
    racer.join()
    assert outcome == [6]
