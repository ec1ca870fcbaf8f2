"""A job's unfinished runs, which MAX_UNFINISHED_RUNS_PER_JOB is checked against, are
read from the counters (migration 0018), not counted in executions: the figure must
stay exact through every way a run starts, ends or goes (trigger, finish, cancel,
retry, delete, retention, the tick's fold and the check's own collapse of the deltas).
The limit holding under racing triggers is tests/integration/test_bounded_runs.py's."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from jobsched.errors import ConflictError
from jobsched.service import JobService
from jobsched.store.queries import q
from jobsched.store.triggers import Triggers
from tests.integration.engine import Engine
from tests.integration.test_flat_cost import FAIL

UNFINISHED = ("PENDING", "QUEUED", "RUNNING", "RETRYING")


def _checked(engine: Engine, job_id: str) -> int:
    """The figure the limit is checked against, as a trigger reads it."""
    with engine.store.tx() as conn:
        conn.execute("SET LOCAL lock_timeout = '10s'")  # a wait is a failure, not a hang
        Triggers.lock_job_executions(conn, uuid.UUID(job_id))
        return Triggers.unfinished_of_job(conn, uuid.UUID(job_id))


def _true(engine: Engine, job_id: str) -> int:
    with engine.store.tx() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM executions WHERE job_id = %s AND status = ANY(%s)",
            (uuid.UUID(job_id), list(UNFINISHED)),
        ).fetchone()
    return int(row["n"])


def _unfolded(engine: Engine, job_id: str) -> int:
    """The job's delta rows of unfinished statuses the tick has not folded."""
    with engine.store.tx() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM execution_count_deltas"
            " WHERE job_id = %s AND status = ANY(%s)",
            (uuid.UUID(job_id), list(UNFINISHED)),
        ).fetchone()
    return int(row["n"])


def _assert_exact(engine: Engine, *jobs: str) -> None:
    for job in jobs:
        assert _checked(engine, job) == _true(engine, job), job


def _limited(engine: Engine, limit: int) -> JobService:
    settings = dataclasses.replace(engine.settings, max_unfinished_runs_per_job=limit)
    return JobService(engine.store, engine.queue, engine.registry, settings, engine.clock)


def test_a_refused_trigger_names_all_the_jobs_unfinished_runs_not_the_limit(
    engine: Engine,
) -> None:
    """A job can hold more unfinished runs than the limit (it was lowered since, or the
    tick scheduled them): the 409 says how many, where a count stopped at the limit."""
    job = engine.create_job()
    engine.service.trigger_job(job, {"runs": [{}] * 7})
    with pytest.raises(ConflictError) as refused:
        _limited(engine, 5).trigger_job(job, {})
    assert refused.value.details == {"limit": 5, "unfinished": 7}


def test_the_unfinished_count_stays_exact_through_a_runs_life(engine: Engine) -> None:
    service = _limited(engine, 1_000)
    ok, failing = engine.create_job(), engine.create_job(**FAIL, max_retries=0)
    doomed = engine.create_job()
    # Single triggers, each checking the count: past 32 unfolded deltas the check
    # collapses them, so their number stays bounded while no tick folds.
    singles = [service.trigger_job(ok, {})["id"] for _ in range(40)]
    _assert_exact(engine, ok)
    assert _true(engine, ok) == 40
    assert _unfolded(engine, ok) <= 33
    first_fail = service.trigger_job(failing, {})["id"]
    service.trigger_job(doomed, {"runs": [{}] * 3})
    _assert_exact(engine, ok, failing, doomed)

    # Run by a worker, with the tick folding the deltas meanwhile.
    engine.run_until(lambda: engine.status(first_fail) == "FAILED")
    engine.run_until(lambda: all(engine.status(r) == "SUCCEEDED" for r in singles[:5]))
    _assert_exact(engine, ok, failing, doomed)

    cancelled = service.trigger_job(ok, {"delay_ms": 60_000})["id"]
    _assert_exact(engine, ok)
    engine.service.cancel_execution(cancelled)
    engine.service.retry_execution(first_fail)
    _assert_exact(engine, ok, failing)
    engine.service.delete_job(doomed)
    assert _checked(engine, doomed) == 0
    engine.scheduler.run_once(engine.clock.now())  # folded
    _assert_exact(engine, ok, failing, doomed)

    # Retention drops a day whose unfinished runs it keeps (moved to the default
    # partition): subtracted with the day, counted again as they are moved.
    old = [service.trigger_job(ok, {"delay_ms": 60_000})["id"] for _ in range(2)]
    old_day = engine.clock.now() - timedelta(days=35)
    with engine.store.tx() as conn:
        conn.execute(q("ensure_execution_partitions"), {"now": old_day, "days": 1})
        conn.execute(
            "UPDATE executions SET scheduled_for = scheduled_for - interval '35 days'"
            " WHERE id = ANY(%s)",
            ([uuid.UUID(r) for r in old],),
        )
    engine.store.retention.delete_executions_older_than(engine.clock.now() - timedelta(days=30))
    _assert_exact(engine, ok, failing)
    engine.clock.advance(seconds=61)  # the delayed runs are due
    engine.run_until(lambda: _true(engine, ok) == 0 and _true(engine, failing) == 0)
    _assert_exact(engine, ok, failing)
    service.trigger_job(ok, {})
    _assert_exact(engine, ok)


def test_the_check_collapses_only_the_deltas_no_fold_holds(engine: Engine) -> None:
    """A fold under way (its deltas locked) is neither waited for nor counted twice:
    the check skips its rows and still reads the figure the fold leaves."""
    job = engine.create_job()
    service = _limited(engine, 1_000)
    for _ in range(40):
        service.trigger_job(job, {})
    with engine.store.tx() as fold:
        fold.execute(
            "SELECT 1 FROM execution_count_deltas WHERE job_id = %s FOR UPDATE",
            (uuid.UUID(job),),
        )
        assert _checked(engine, job) == 40  # would wait on the fold's locks otherwise
        fold.execute(q("fold_count_deltas"))
    assert _checked(engine, job) == 40
    service.trigger_job(job, {})
    _assert_exact(engine, job)
