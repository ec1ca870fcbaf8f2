"""History is bounded by default: a built-in cleanup job, created on the first start,
deletes finished executions older than RETENTION_DAYS and never a dead-letter entry."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from jobsched.builtin_jobs import CLEANUP_JOB, CLEANUP_SCHEDULE
from jobsched.errors import NotFoundError
from jobsched.scheduler import Scheduler
from jobsched.store import postgres
from tests.integration.engine import Engine


@pytest.fixture
def retaining(engine: Engine) -> Engine:
    """The engine with the default retention (the test settings turn it off)."""
    engine.settings = dataclasses.replace(engine.settings, retention_days=30)
    engine.scheduler = Scheduler(engine.store, engine.queue, engine.settings, engine.clock)
    return engine


def _cleanup_jobs(engine: Engine) -> list[dict]:
    return [j for j in engine.service.list_jobs({})["items"] if j["name"] == CLEANUP_JOB]


def test_the_first_start_creates_a_daily_cleanup_job_once(retaining: Engine) -> None:
    retaining.scheduler.run_once(retaining.clock.now())
    (job,) = _cleanup_jobs(retaining)
    assert job["handler"] == "system.cleanup" and job["schedule"] == CLEANUP_SCHEDULE
    assert job["status"] == "SCHEDULED" and job["next_run_time"]

    # An operator pauses it; another scheduler process starting later keeps that.
    retaining.service.pause_job(job["id"])
    again = Scheduler(retaining.store, retaining.queue, retaining.settings, retaining.clock)
    retaining.queue.release_leader(retaining.scheduler.owner)
    assert again.run_once(retaining.clock.now()).leader
    (job,) = _cleanup_jobs(retaining)
    assert job["status"] == "PAUSED"


def test_retention_zero_keeps_history_forever(engine: Engine) -> None:
    assert engine.settings.retention_days == 0
    engine.scheduler.run_once(engine.clock.now())
    assert _cleanup_jobs(engine) == []


def _finished_runs(engine: Engine, job_id: str, n: int) -> list[str]:
    body = {"runs": [{} for _ in range(n)]}
    ids = [e["id"] for e in engine.service.trigger_job(job_id, body)["items"]]
    engine.run_until(lambda: all(engine.status(i) in ("SUCCEEDED", "FAILED") for i in ids))
    return ids


def test_cleanup_deletes_old_history_but_keeps_dead_letters_and_recent_runs(
    retaining: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "CLEANUP_BATCH", 2)  # several batches
    ok = retaining.create_job()
    failing = retaining.create_job(
        handler="test.delay", payload={"durationMs": 1, "shouldFail": True}, max_retries=0
    )
    old_ok = _finished_runs(retaining, ok, 5)
    (old_dead,) = _finished_runs(retaining, failing, 1)
    assert retaining.status(old_dead) == "FAILED"

    recent = _finished_runs(retaining, ok, 1)
    with retaining.store.tx() as conn:  # the first runs finished 31 days ago
        conn.execute(
            "UPDATE executions SET finished_at = finished_at - interval '31 days'"
            " WHERE id = ANY(%s)",
            ([uuid.UUID(i) for i in [*old_ok, old_dead]],),
        )
    retaining.scheduler.run_once(retaining.clock.now())  # creates the cleanup job
    (cleanup,) = _cleanup_jobs(retaining)
    run = retaining.service.trigger_job(cleanup["id"], {})
    retaining.run_until(lambda: retaining.status(run["id"]) == "SUCCEEDED")

    assert retaining.store.get_execution(run["id"]).result["deleted"] == 5
    for gone in old_ok:
        with pytest.raises(NotFoundError):
            retaining.store.get_execution(gone)
    assert retaining.store.get_execution(recent[0]).status == "SUCCEEDED"
    # The dead-letter entry and its execution stay until an operator handles them.
    (entry,) = retaining.service.list_dead_letter({})["items"]
    assert entry["execution_id"] == old_dead
    assert retaining.status(old_dead) == "FAILED"
