"""Helpers for integration tests: waiting on conditions instead of sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T], timeout: float = 15.0, interval: float = 0.02, what: str = ""
) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what or condition!r} (last: {last!r})")


def someone_waits_for_a_lock(database_url: str) -> bool:
    """A backend of this test database is queued for a lock (a row's or a table's)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


def tick_after_redis_loss(scheduler: Any, clock: Any) -> Any:
    """The tick passes that rebuild a queue Redis lost: the first finds it gone and waits
    REBUILD_WAIT (for the workers' heartbeats to drop the runs they held ahead); the one
    after it rebuilds. Returns that pass's report."""
    from jobsched.scheduler import REBUILD_WAIT

    assert scheduler.run_once(clock.now()).rebuilt == 0
    clock.advance(seconds=REBUILD_WAIT.total_seconds())
    return scheduler.run_once(clock.now())
