"""Three tick processes share SCHEDULER_SHARDS=4; one is SIGKILLed mid-run while
every-second cron jobs fire. Every occurrence in the window must have exactly one run:
none missed while the dead instance's shards wait out their lock TTL, none written
twice while two instances briefly scan one shard.

Real ``python -m jobsched tick`` processes on private Redis and PostgreSQL servers
(tests/chaos/cluster.py). No workers: the runs' rows are what is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from jobsched.clock import SystemClock
from jobsched.domain.validation import validate_job_create
from jobsched.job_life import create_job
from jobsched.loader import builtin_registry
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import connect
from jobsched.store import Store
from tests.chaos.cluster import Cluster
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.chaos

SHARDS = 4
JOBS = 24
TICKS = ("tick-a", "tick-b", "tick-c")
FAST = {"LEADER_LOCK_TTL": "1", "SCAN_INTERVAL_MS": "200", "SCHEDULER_SHARDS": str(SHARDS)}


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    c = Cluster(FAST)
    yield c
    c.stop()


def test_three_ticks_one_killed_keep_exactly_one_run_per_occurrence(cluster: Cluster) -> None:
    clock = SystemClock()
    store = Store(cluster.database_url)
    queue = RedisQueue(connect(cluster.redis_url), cluster.settings.redis_key_prefix)
    registry = builtin_registry()
    jobs = []
    for i in range(JOBS):
        body = {"name": f"every-second-{i}", "handler": "test.echo", "schedule": "* * * * * *"}
        jobs.append(
            create_job(store, validate_job_create(body, registry, cluster.settings), clock.now()).id
        )
    for name in TICKS:
        cluster.start(name, "tick", SCHEDULER_INSTANCE_ID=name)

    def holders() -> dict[int, str]:
        """Each held shard's instance name."""
        return {h.shard: h.owner.rsplit(":", 1)[0] for h in queue.shard_holders(SHARDS) if h.owner}

    def settled() -> dict[int, str] | None:
        held = holders()
        return held if len(held) == SHARDS and len(set(held.values())) >= 2 else None

    held = wait_for(settled, timeout=30, what="three ticks sharing the shards")
    start = _next_second(clock.now())
    wait_for(lambda: _written_through(store, start + timedelta(seconds=2)), what="runs written")

    victim = held[0]  # it holds shard 0, so its shards must be taken over
    cluster.kill(victim)
    killed_at = clock.now()

    def taken_over() -> bool:
        now = holders()
        return len(now) == SHARDS and victim not in now.values()

    wait_for(taken_over, timeout=30, what="the killed tick's shards taken over")
    end = _next_second(clock.now()) + timedelta(seconds=2)
    wait_for(lambda: _written_through(store, end), timeout=30, what="runs after the takeover")
    cluster.stop_processes()

    counts = _counts(store, start, end)
    seconds = int((end - start).total_seconds()) + 1
    expected = {(job, start + timedelta(seconds=s)) for job in jobs for s in range(seconds)}
    missed = sorted(expected - counts.keys())
    doubled = {k: n for k, n in counts.items() if n != 1}
    assert not missed, f"{len(missed)} occurrences missed (kill at {killed_at}): {missed[:5]}"
    assert not doubled, f"occurrences with more than one run: {doubled}"
    assert len(counts) == JOBS * seconds


def _next_second(when: datetime) -> datetime:
    return when.replace(microsecond=0) + timedelta(seconds=1)


def _written_through(store: Store, when: datetime) -> bool:
    """Every job has its run for ``when`` written (staged runs are written early)."""
    with store.tx() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM executions WHERE scheduled_for = %s", (when,)
        ).fetchone()
    return row["n"] == JOBS


def _counts(store: Store, start: datetime, end: datetime) -> dict[tuple[str, datetime], int]:
    with store.tx() as conn:
        rows = conn.execute(
            "SELECT job_id, scheduled_for, count(*) AS n FROM executions"
            " WHERE scheduled_for BETWEEN %s AND %s GROUP BY job_id, scheduled_for",
            (start, end),
        ).fetchall()
    return {(str(r["job_id"]), r["scheduled_for"]): r["n"] for r in rows}
