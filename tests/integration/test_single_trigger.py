"""A single trigger near the floor of a durable enqueue: its reads in one round trip, its
run, idempotency key and audit entry in one statement sent with the COMMIT
(``Store.pipelined_tx``), and every guarantee kept: the key answers a repeat with the
first run, the audit entry is written, a failed write leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from jobsched.domain.audit import Audit
from jobsched.trigger import trigger
from tests.integration.engine import Engine


@contextmanager
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL statements this process sends, each by its first word (comments skipped)."""
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else query.as_string(self.connection)
        code = [line for line in text.splitlines() if line.strip() and not line.startswith("--")]
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
