"""A single trigger near the floor of a durable enqueue: its reads in one round trip, its
run, idempotency key and audit entry in one statement sent with the COMMIT
(``Store.pipelined_tx``), and every guarantee kept: the key answers a repeat with the
first run, the audit entry is written, a failed write leaves nothing behind."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from jobsched.domain.audit import Audit
from jobsched.errors import ConflictError, NotFoundError
from jobsched.service import JobService
from jobsched.store.triggers import COLLAPSE_AFTER
from jobsched.trigger import trigger
from tests.integration.engine import Engine


@contextmanager
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL statements this process sends, each by its first word (comments skipped;
    the pool's check of a connection idle for a while, an empty query, is none)."""
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else query.as_string(self.connection)
        code = [line for line in text.splitlines() if line.strip() and not line.startswith("--")]
        if code:  # not the pool's check of an idle connection (an empty query)
            sent.append(code[0].split(None, 1)[0].upper())
        return execute(self, query, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", counted)
        yield sent


def audit_entries(engine: Engine, job_id: str) -> list[dict[str, Any]]:
    with engine.store.tx() as conn:
        return conn.execute(
            "SELECT key_id, action, changes FROM audit_log WHERE target_id = %s ORDER BY id",
            (job_id,),
        ).fetchall()


def test_a_keyed_trigger_writes_its_run_key_and_audit_entry_in_one_statement(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = engine.create_job()
    engine.service.trigger_job(job_id, {})  # connections opened
    with statements(monkeypatch) as sent:
        run = engine.service.trigger_job(job_id, {}, key="order-7")
    # Reads and locks, then one write; no statement of its own for the key or the audit.
    writes = [s for s in sent if s in ("INSERT", "WITH", "UPDATE", "DELETE")]
    assert writes == ["WITH"], sent

    assert engine.status(run["id"]) == "QUEUED"
    assert engine.queue.ready_ids()[-1] == run["id"]
    entries = audit_entries(engine, job_id)
    assert entries[-1]["action"] == "trigger"
    assert entries[-1]["changes"] == {"executions": {"after": [run["id"]]}}
    # The key answers a repeat with the first run, writing nothing new.
    again = engine.service.trigger_job(job_id, {}, key="order-7")
    assert again["id"] == run["id"]
    assert len(audit_entries(engine, job_id)) == len(entries)


def test_a_trigger_without_a_caller_writes_no_audit_entry(engine: Engine) -> None:
    job_id = engine.create_job()
    (run,) = trigger(engine.store, job_id, engine.clock.now(), queued=True)
    assert engine.status(run.id) == "QUEUED"
    assert audit_entries(engine, job_id) == []


def test_a_failed_trigger_write_leaves_nothing_and_the_connection_usable(
    engine: Engine,
) -> None:
    """The write fails at the COMMIT's round trip (an audit action the log refuses):
    the run and the key are rolled back with it, and the pooled connection is not
    left inside the failed transaction."""
    job_id = engine.create_job()
    bad = Audit("k1", "not-an-action")
    with pytest.raises(psycopg.errors.CheckViolation):
        trigger(engine.store, job_id, engine.clock.now(), audit=bad, key="once", queued=True)
    with engine.store.tx() as conn:
        runs = conn.execute("SELECT count(*) AS n FROM executions WHERE job_id = %s", (job_id,))
        assert runs.fetchone()["n"] == 0
        keys = conn.execute("SELECT count(*) AS n FROM trigger_keys WHERE job_id = %s", (job_id,))
        assert keys.fetchone()["n"] == 0
    # The key was not taken: the same request goes through now.
    (run,) = trigger(engine.store, job_id, engine.clock.now(), key="once", queued=True)
    assert engine.status(run.id) == "QUEUED"
    for _ in range(engine.store.pool.max_size + 1):  # every pooled connection is idle
        with engine.store.tx() as conn:
            conn.execute("SELECT 1")


def stored_run(engine: Engine, execution_id: str) -> dict[str, Any]:
    with engine.store.tx() as conn:
        return conn.execute("SELECT * FROM executions WHERE id = %s", (execution_id,)).fetchone()


def test_a_trigger_that_overrides_no_payload_reads_nothing_before_its_write(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key and no payload to check against the handler: the job is not read first;
    one statement, its own transaction, copies its snapshot, guarded (its status, and
    MAX_UNFINISHED_RUNS_PER_JOB under the runs lock). The answer is the row written."""
    job_id = engine.create_job(payload={"v": 1}, priority=70, max_retries=4)
    engine.service.update_job(job_id, {"payload": {"v": 2}})  # the snapshot as it stands
    engine.service.trigger_job(job_id, None)  # connections opened
    with statements(monkeypatch) as sent:
        run = engine.service.trigger_job(job_id, {"priority": 90})
    assert sent == ["SELECT"], sent  # trigger_unread(), its own transaction

    row = stored_run(engine, run["id"])
    assert (row["payload"], row["priority"], row["max_retries"]) == ({"v": 2}, 90, 4)
    assert (run["payload"], run["priority"], run["max_retries"]) == ({"v": 2}, 90, 4)
    assert run["status"] == row["status"] == "QUEUED"
    assert run["idempotency_key"] == row["idempotency_key"] == run["id"]
    assert engine.queue.ready_ids()[0] == run["id"]  # its priority first
    entries = audit_entries(engine, job_id)
    assert entries[-1]["action"] == "trigger"
    assert entries[-1]["changes"]["executions"] == {"after": [run["id"]]}


def test_a_trigger_the_guards_hold_back_writes_nothing_and_says_why(engine: Engine) -> None:
    """A paused job, a job at its unfinished limit, no job at all: the statement that
    reads nothing first writes no run and no audit entry; the trigger that reads then
    answers as it always did (409 naming the reason, 404)."""
    job_id = engine.create_job()
    engine.service.pause_job(job_id)
    before = audit_entries(engine, job_id)
    with pytest.raises(ConflictError, match="paused"):
        engine.service.trigger_job(job_id, None)
    assert audit_entries(engine, job_id) == before
    with engine.store.tx() as conn:
        n = conn.execute("SELECT count(*) AS n FROM executions WHERE job_id = %s", (job_id,))
        assert n.fetchone()["n"] == 0

    with pytest.raises(NotFoundError):
        engine.service.trigger_job(str(uuid.uuid4()), None)


def test_a_trigger_past_the_unfinished_limit_is_refused_without_a_read(
    engine: Engine,
) -> None:
    limited = dataclasses.replace(engine.settings, max_unfinished_runs_per_job=3)
    service = JobService(engine.store, engine.queue, engine.registry, limited, engine.clock)
    job_id = engine.create_job()
    for _ in range(3):
        service.trigger_job(job_id, None)
    with pytest.raises(ConflictError) as refused:
        service.trigger_job(job_id, {"runs": [{}, {}]})  # trigger_unread(), arrays
    assert refused.value.details["limit"] == 3
    with pytest.raises(ConflictError) as refused:
        service.trigger_job(job_id, None)  # trigger_one(), scalars
    assert refused.value.details == {"limit": 3, "unfinished": 3}
    with engine.store.tx() as conn:
        n = conn.execute("SELECT count(*) AS n FROM executions WHERE job_id = %s", (job_id,))
        assert n.fetchone()["n"] == 3


def test_many_unread_triggers_keep_the_unfinished_count_cheap_and_exact(
    engine: Engine,
) -> None:
    """Every trigger adds a delta row to the counters; past COLLAPSE_AFTER unfolded ones
    (no tick folds them here), the trigger collapses them: the rows stay few, the count
    exact."""
    job_id = engine.create_job()
    for _ in range(COLLAPSE_AFTER * 2 + 5):
        engine.service.trigger_job(job_id, None)
    with engine.store.tx() as conn:
        deltas = conn.execute(
            "SELECT count(*) AS n FROM execution_count_deltas WHERE job_id = %s", (job_id,)
        ).fetchone()["n"]
        assert deltas <= COLLAPSE_AFTER + 1
        assert engine.store.triggers.unfinished_of_job(conn, uuid.UUID(job_id)) == (
            COLLAPSE_AFTER * 2 + 5
        )
