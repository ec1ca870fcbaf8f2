"""Failure is a feature: kill the leader, SIGKILL a worker, restart Redis (losing its
data) and restart PostgreSQL while a per-second cron job and a batch of triggered runs
are in flight. Every due run must still end in a final state; none may be lost.

Everything here runs on private Redis and PostgreSQL servers started for this test,
so restarting them disturbs nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from jobsched.clock import SystemClock
from jobsched.domain.validation import validate_job_create
from jobsched.job_life import create_job, set_job_status
from jobsched.loader import builtin_registry
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import connect
from jobsched.store import Store
from jobsched.trigger import trigger
from tests.chaos.cluster import Cluster, all_executions, retrying
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.chaos


# Short leases and a fast tick so the test's recoveries take seconds, not minutes.
FAST = {
    "LEADER_LOCK_TTL": "1",
    "SCAN_INTERVAL_MS": "200",
    "VISIBILITY_TIMEOUT_MS": "2000",
    "MAX_CONCURRENT_JOBS": "4",
}


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    c = Cluster(FAST)
    yield c
    c.stop()


def test_every_due_run_survives_killed_processes_and_restarted_services(
    cluster: Cluster,
) -> None:
    clock = SystemClock()
    store = Store(cluster.database_url)
    queue = RedisQueue(connect(cluster.redis_url), cluster.settings.redis_key_prefix)
    registry = builtin_registry()

    def job(**fields: object) -> str:
        data = validate_job_create(fields, registry, cluster.settings)
        return create_job(store, data, clock.now()).id

    cron_id = job(
        name="every-second",
        handler="test.delay",
        schedule="* * * * * *",
        payload={"durationMs": 100},
    )
    # Runs longer than RECORD_RUNNING_AFTER_MS (300 ms) are recorded RUNNING while they
    # run; the others are written once, when they end.
    slow_id = job(
        name="slow-every-second",
        handler="test.delay",
        schedule="* * * * * *",
        payload={"durationMs": 1500},
    )
    batch_id = job(name="batch", handler="test.delay", payload={"durationMs": 300})
    batch = trigger(store, batch_id, clock.now(), [{}] * 40)

    for name in ("tick-a", "tick-b"):
        cluster.start(name, "tick", SCHEDULER_INSTANCE_ID=name)
    for name in ("worker-1", "worker-2"):
        cluster.start(name, "worker", WORKER_ID=name)

    def cron_succeeded() -> int:
        def count() -> int:
            page = store.executions.list(job_id=cron_id, status="SUCCEEDED", limit=1)
            return page.total

        return retrying(count)

    def more_cron_runs(n: int = 3) -> None:
        target = cron_succeeded() + n
        wait_for(
            lambda: cron_succeeded() >= target, timeout=45, interval=0.2, what=f"{n} more cron runs"
        )

    more_cron_runs()

    # 1. Kill the leading tick: the standby takes over within the lock's TTL.
    leader = retrying(lambda: queue.leader()[0]) or ""
    killed = "tick-a" if leader.startswith("tick-a") else "tick-b"
    cluster.kill(killed)
    more_cron_runs()
    assert not (retrying(lambda: queue.leader()[0]) or "").startswith(killed)

    # 2. SIGKILL a worker in the middle of its work; start a replacement.
    # A run of the slow job it has recorded RUNNING (the short ones are written once).
    wait_for(
        lambda: any(
            e.worker_id == "worker-1" and e.status == "RUNNING"
            for e in store.executions.list(status="RUNNING", limit=200).items
        ),
        timeout=30,
        what="worker-1 running something",
    )
    cluster.kill("worker-1")
    cluster.start("worker-3", "worker", WORKER_ID="worker-3")
    more_cron_runs()

    # 3. Redis dies and comes back empty (no persistence): the tick rebuilds the queue.
    cluster.restart_redis_empty()
    more_cron_runs()

    # 4. PostgreSQL restarts (fast shutdown drops every connection).
    cluster.restart_postgres()
    more_cron_runs()

    # Stop creating cron runs, then everything in flight must finish.
    for job_id in (cron_id, slow_id):
        retrying(lambda job_id=job_id: set_job_status(store, job_id, "PAUSED", clock.now()))

    def all_final() -> bool:
        return not store.outbox.unfinished() and not store.outbox.pending()

    wait_for(lambda: retrying(all_final), timeout=90, interval=0.5, what="every run final")

    batch_final = [store.executions.get(e.id) for e in batch]
    assert {e.status for e in batch_final} == {"SUCCEEDED"}
    cron = all_executions(store, cron_id)
    assert all(e.status in ("SUCCEEDED", "SKIPPED") for e in cron), {e.status for e in cron}
    # No occurrence was silently dropped: one execution for every second in the range.
    times = sorted(e.scheduled_for for e in cron)
    expected = [times[0] + timedelta(seconds=i) for i in range(len(times))]
    assert times == expected
    slow = all_executions(store, slow_id)
    assert all(e.status in ("SUCCEEDED", "SKIPPED") for e in slow), {e.status for e in slow}
    lost = [a for e in batch_final + cron + slow for a in e.attempts if a.outcome == "LOST"]
    assert lost, "the SIGKILLed worker's RUNNING run should show as a LOST attempt"
    store.close()
