"""``GET /api/v1/flow?job_id=``: the keys a job's unfinished runs are under, how many run
and wait, and what holds the waiting ones (read: PostgreSQL's runs per key, Redis's
in-flight and rate windows of those keys; decide: ``domain.flow.key_state``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobsched.domain import flow
from jobsched.errors import DependencyError
from jobsched.queue import RedisQueue
from jobsched.store import Store

MAX_KEYS = 500


def flow_of_job(store: Store, queue: RedisQueue, job_id: str, now: datetime) -> dict[str, Any]:
    job = store.jobs.get(job_id)  # 404 for an unknown job
    rows = store.flow.of_job(job_id, MAX_KEYS)
    try:
        load = queue.for_pool(job.pool).key_load(
            [(r["key"], r["rate_period_ms"]) for r in rows], now
        )
    except DependencyError:
        load = [(0, []) for _ in rows]  # Redis away: what PostgreSQL knows
    items = []
    for row, (in_flight, starts) in zip(rows, load, strict=True):
        state = flow.key_state(row, in_flight, starts, now)
        items.append(
            {
                "key": row["key"],
                "running": int(row["running"]),
                "waiting": int(row["waiting"]),
                "limited_by": state.limited_by,
                "next_start_at": state.next_start_at.isoformat() if state.next_start_at else None,
            }
        )
    return {"items": items, "next_cursor": None, "total": len(items)}
