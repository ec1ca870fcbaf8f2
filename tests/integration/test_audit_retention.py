"""The audit log is bounded (issue 20): the built-in cleanup job deletes entries older
than AUDIT_RETENTION_DAYS, a setting no trigger can change, and keeps the log's total
(its counter) exact. Over real PostgreSQL and Redis, run by a real worker."""

from __future__ import annotations

import dataclasses

import pytest

from jobsched.builtin_jobs import CLEANUP_JOB
from jobsched.scheduler import Scheduler
from jobsched.store import retention
from tests.integration.engine import Engine


def _cleanup_job(engine: Engine) -> dict:
    (job,) = [j for j in engine.service.list_jobs({})["items"] if j["name"] == CLEANUP_JOB]
    return job


def _audited_job(engine: Engine, name: str) -> str:
    return engine.service.create_job({"name": name, "handler": "test.echo"})["id"]


def test_cleanup_deletes_audit_entries_older_than_the_setting(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "CLEANUP_BATCH", 2)  # several batches
    # Execution history kept forever: only the audit setting creates the job.
    engine.settings = dataclasses.replace(engine.settings, audit_retention_days=90)
    engine.scheduler = Scheduler(engine.store, engine.queue, engine.settings, engine.clock)
    ids = [_audited_job(engine, f"old-{i}") for i in range(5)]
    with engine.store.tx() as conn:  # these were audited 91 days ago
        conn.execute("UPDATE audit_log SET at = at - interval '91 days'")
    recent = _audited_job(engine, "recent")
    engine.scheduler.run_once(engine.clock.now())  # creates the cleanup job
    run = engine.service.trigger_job(_cleanup_job(engine)["id"], {})  # audited too
    total_before = engine.service.list_audit({})["total"]
    engine.run_until(lambda: engine.status(run["id"]) == "SUCCEEDED")

    assert engine.store.executions.get(run["id"]).result["audit_deleted"] == 5
    left = engine.service.list_audit({"limit": 200})
    targets = {e["target_id"] for e in left["items"]}
    assert not targets & set(ids)
    assert recent in targets
    assert left["total"] == total_before - 5 == len(left["items"])


def test_audit_retention_zero_keeps_the_log(engine: Engine) -> None:
    engine.settings = dataclasses.replace(engine.settings, retention_days=30)
    engine.scheduler = Scheduler(engine.store, engine.queue, engine.settings, engine.clock)
    _audited_job(engine, "old")
    with engine.store.tx() as conn:
        conn.execute("UPDATE audit_log SET at = at - interval '10 years'")
    engine.scheduler.run_once(engine.clock.now())
    run = engine.service.trigger_job(_cleanup_job(engine)["id"], {})
    engine.run_until(lambda: engine.status(run["id"]) == "SUCCEEDED")
    assert engine.store.executions.get(run["id"]).result["audit_deleted"] == 0
    assert engine.service.list_audit({})["total"] >= 1
