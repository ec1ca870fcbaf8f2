"""SCHEDULER_SHARDS > 1: tick instances share the due-scan, real Redis and PostgreSQL.

Lock TTLs are Redis's (real time); registrations and due times follow the fake clock.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from jobsched.domain.shards import bucket_of, shard_of
from jobsched.scheduler import Scheduler
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.also_cluster  # a shard's lock is its own slot: spread over a cluster

SHARDS = 4


def _ticks(engine: Engine, count: int, **overrides: object) -> list[Scheduler]:
    settings = replace(engine.settings, scheduler_shards=SHARDS, **overrides)
    return [
        Scheduler(engine.store, engine.queue, settings, engine.clock, f"tick-{i}")
        for i in range(count)
    ]


def _settle(ticks: list[Scheduler], engine: Engine) -> None:
    """Pass until every shard is held by exactly one instance, each at its fair share."""

    def settled() -> bool:
        for tick in ticks:
            tick.run_once(engine.clock.now())
        held = [s for tick in ticks for s in tick.shard_lease.held]
        share = -(-SHARDS // len(ticks))
        return sorted(held) == list(range(SHARDS)) and all(
            len(t.shard_lease.held) <= share for t in ticks
        )

    wait_for(settled, timeout=10, what="shards settled")


def _every_second_jobs(engine: Engine, count: int) -> list[str]:
    return [engine.create_job(schedule="* * * * * *") for _ in range(count)]


def test_postgresql_stores_the_bucket_python_computes(engine: Engine) -> None:
    ids = _every_second_jobs(engine, 20)
    with engine.store.tx() as conn:
        rows = conn.execute("SELECT id, bucket FROM jobs WHERE id = ANY(%s)", (ids,)).fetchall()
    assert {str(r["id"]): r["bucket"] for r in rows} == {i: bucket_of(i) for i in ids}


def test_one_shard_is_todays_tick_only_the_leader_scans(engine: Engine) -> None:
    a, b = (Scheduler(engine.store, engine.queue, engine.settings, engine.clock, n) for n in "ab")
    ids = _every_second_jobs(engine, 10)
    engine.clock.advance(1)
    first, second = a.run_once(engine.clock.now()), b.run_once(engine.clock.now())
    assert (first.leader, second.leader) == (True, False)
    assert first.scheduled >= len(ids) and second.scheduled == 0
    assert first.shards == [] and a.shard_lease is None


@pytest.mark.parametrize("instances", [2, 3, 4])
def test_instances_each_scan_their_share_and_together_schedule_every_due_job_once(
    engine: Engine, instances: int
) -> None:
    ticks = _ticks(engine, instances)
    _settle(ticks, engine)
    ids = _every_second_jobs(engine, 40)
    engine.clock.advance(1)
    reports = [tick.run_once(engine.clock.now()) for tick in ticks]
    # Each instance wrote the runs of the jobs in its own shards, and only those.
    per_shard = {s: 0 for s in range(SHARDS)}
    for job_id in ids:
        per_shard[shard_of(job_id, SHARDS)] += 1
    staged = len(engine.store.executions.list(job_id=ids[0]).items)  # runs one job got
    for report in reports:
        assert report.scheduled == staged * sum(per_shard[s] for s in report.shards)
    assert sum(1 for r in reports if r.leader) == 1
    assert sum(r.scheduled for r in reports) == staged * len(ids)
    _assert_one_run_per_occurrence(engine, ids)
    # Nothing is left in the outbox: each instance pushed its own runs.
    assert engine.store.outbox.pending() == []


def test_a_lapsed_instances_shards_are_taken_over(engine: Engine) -> None:
    ticks = _ticks(engine, 3, leader_lock_ttl_s=1.0)
    _settle(ticks, engine)
    dead, alive = ticks[0], ticks[1:]
    lost = set(dead.shard_lease.held)
    assert lost  # the dead one held shards when it stopped (it never resigns)

    def taken_over() -> bool:
        engine.clock.advance(0.2)
        for tick in alive:
            tick.run_once(engine.clock.now())
        held = sorted(s for tick in alive for s in tick.shard_lease.held)
        return held == list(range(SHARDS))

    wait_for(taken_over, timeout=10, what="the dead instance's shards taken over")
    owners = [h.owner for h in engine.queue.shard_holders(SHARDS)]
    assert dead.owner not in owners
    ids = _every_second_jobs(engine, 20)
    engine.clock.advance(1)
    for tick in alive:
        tick.run_once(engine.clock.now())
    _assert_one_run_per_occurrence(engine, ids)


def test_a_newcomer_gets_a_share_and_a_clean_stop_gives_shards_back(engine: Engine) -> None:
    first, second = _ticks(engine, 2)
    _settle([first], engine)
    assert first.shard_lease.held == list(range(SHARDS))
    _settle([first, second], engine)
    assert len(first.shard_lease.held) == len(second.shard_lease.held) == SHARDS // 2
    second.resign()
    assert engine.queue.register_tick(first.owner, engine.clock.now(), 60_000) == [first.owner]
    _settle([first], engine)  # at once, without waiting for a lock to lapse
    assert first.shard_lease.held == list(range(SHARDS))


def _assert_one_run_per_occurrence(engine: Engine, ids: list[str]) -> None:
    for job_id in ids:
        runs = engine.store.executions.list(job_id=job_id, limit=100).items
        times = [e.scheduled_for for e in runs]
        assert times, f"job {job_id} got no run"
        assert len(times) == len(set(times)), f"job {job_id} has a duplicated occurrence"
        job = engine.store.jobs.get(job_id)
        assert max(times) < job.next_run_time
        assert max(times) - min(times) == timedelta(seconds=len(times) - 1)  # none missed


def test_a_tick_with_a_backlog_passes_again_at_once(engine: Engine) -> None:
    """More due jobs than one pass takes (500): the loop does not wait a scan interval
    (here a minute) between batches, or a tick could schedule only 500 runs per interval."""
    settings = replace(engine.settings, scan_interval_ms=60_000)
    tick = Scheduler(engine.store, engine.queue, settings, engine.clock, "backlog")
    ids = _every_second_jobs(engine, 1)
    with engine.store.tx() as conn:
        conn.execute(
            "INSERT INTO jobs (id, name, handler, schedule, timezone, priority, max_retries,"
            " timeout_ms, retry_backoff_ms, retry_backoff_max_ms, status, next_run_time,"
            " created_at, updated_at)"
            " SELECT gen_random_uuid(), 'bulk-' || i, handler, '0 0 1 1 *', timezone, priority,"
            " max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms, status,"
            " %(due)s, created_at, updated_at FROM jobs, generate_series(1, 1100) i"
            " WHERE id = %(id)s",
            {"id": ids[0], "due": engine.clock.now()},
        )
    reports = []
    stop = threading.Event()
    loop = threading.Thread(
        target=tick.run_forever, args=(stop,), kwargs={"on_report": reports.append}
    )
    loop.start()
    try:
        wait_for(lambda: sum(r.scheduled for r in reports) >= 1100, timeout=30, what="backlog")
    finally:
        stop.set()
        loop.join(timeout=30)
    assert [r.backlog for r in reports[:3]] == [True, True, False]
