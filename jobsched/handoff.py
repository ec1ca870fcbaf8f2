"""The one hand-off from PostgreSQL (the record) to Redis (what is in flight).

Every run reaches the queue the same way: its row is written PENDING, pushed to
Redis, then marked QUEUED. If the push or the mark fails, the row stays PENDING and
the tick's outbox pass pushes it; pushing is idempotent, so a push repeated after a
crash between push and mark is harmless. ``restore`` is the repair pass: it makes
Redis hold again every run PostgreSQL says is in flight. Each run goes to its pool's
queue (``Execution.pool``, a copy of its job's).

Used by the tick (outbox, repair), triggers, and manual retries and redrives.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from jobsched.domain.models import Execution, QueueItem
from jobsched.domain.states import ExecutionStatus
from jobsched.errors import DependencyError
from jobsched.queue import RedisQueue
from jobsched.store import Store
from jobsched.store.rows import queue_item

log = logging.getLogger("jobsched.handoff")

OUTBOX_BATCH = 1000


class Handoff:
    def __init__(self, store: Store, queue: RedisQueue) -> None:
        self.store = store
        self.queue = queue

    def submit(
        self, write: Callable[[], list[Execution]], now: datetime, *, again: bool = False
    ) -> list[Execution]:
        """Write runs (``write``: one store transaction returning them PENDING), then
        push them and mark them QUEUED, updating the returned executions to match.

        Whatever ``write`` raises propagates (nothing was written). Once the rows
        exist no failure may reach the caller (a client retrying after an error would
        create the runs twice): a failed push is logged and left to the tick's outbox
        pass, and the runs are returned PENDING. ``again``: runs made claimable again
        on purpose (retry, redrive) replace what their earlier life left in Redis, or
        the idempotent push would be a no-op."""
        executions = write()
        try:
            ready = [e for e in executions if e.status == ExecutionStatus.PENDING and not e.on_hold]
            self._push([(e.queue_item(), e.due) for e in ready], now, again=again)
        except DependencyError as exc:
            log.warning("push deferred to the tick: %s", exc)
            return executions
        except Exception:
            log.exception("push failed unexpectedly; deferred to the tick")
            return executions
        for e in executions:
            if e.status == ExecutionStatus.PENDING and not e.on_hold:
                e.status, e.queued_at = ExecutionStatus.QUEUED.value, now
        return executions

    def flush_outbox(self, now: datetime) -> int:
        """Push every PENDING run, then mark it QUEUED; returns how many. Raises
        ``DependencyError`` when Redis or PostgreSQL fails (the rest waits a tick)."""
        pushed = 0
        while True:
            pending = self.store.pending(limit=OUTBOX_BATCH)
            self._push(pending, now)
            pushed += len(pending)
            if len(pending) < OUTBOX_BATCH:
                return pushed

    def restore(self, now: datetime, visibility_ms: int) -> int:
        """Make Redis hold every run PostgreSQL says is in flight: QUEUED ones ready,
        RUNNING ones under their recorded lease, RETRYING ones delayed until due.

        Idempotent (ids Redis knows are left alone), so it doubles as the periodic
        reconcile. Returns how many ids were missing from Redis.

        Runs keep finishing while this reads, and Redis forgets a run (its ack) only
        after PostgreSQL records it finished: pushing what one read of PostgreSQL
        called unfinished would put runs finished since back in the queue. So the ids
        Redis lacks are read from PostgreSQL again: one unfinished before and after
        Redis was found without it is really missing (Redis holds a run from its push,
        before it is marked QUEUED, until that ack)."""
        snapshot = _by_pool(self.store.unfinished())
        pools = set(self.queue.known_pools()) | set(snapshot)
        self.queue.add_pools(pools)
        lacking = [
            eid
            for pool, rows in snapshot.items()
            for eid in self.queue.for_pool(pool).unknown([r["id"] for r in rows])
        ]
        by_pool = _by_pool(self.store.unfinished(lacking)) if lacking else {}
        added = 0
        for pool in sorted(pools):
            queue, mine = self.queue.for_pool(pool), by_pool.get(pool, [])
            # A run for later goes back to waiting for its time, never early.
            ready = [(queue_item(r), r["due"]) for r in mine if r["status"] == "QUEUED"]
            running = [
                (r["id"], r["priority"], r["lease_token"] or "lost")
                for r in mine
                if r["status"] == "RUNNING"
            ]
            delayed = [
                (queue_item(r), r["next_attempt_at"] or now)
                for r in mine
                if r["status"] == "RETRYING"
            ]
            added += queue.enqueue_delayed(ready, now)
            added += queue.restore_leases(running, now, visibility_ms)
            added += queue.enqueue_delayed(delayed, now)
            queue.mark_rebuilt(now)
        if added:
            log.warning("queue rebuilt from PostgreSQL", extra={"restored": added})
        return added

    def _push(
        self,
        items: Sequence[tuple[QueueItem, datetime | None]],
        now: datetime,
        again: bool = False,
    ) -> None:
        """Push (run, due) pairs: ready now, or waiting in the delayed set until ``due``
        (a run for later: claimable from that moment, never before)."""
        if not items:
            return
        by_pool: dict[str, list[tuple[QueueItem, datetime | None]]] = defaultdict(list)
        for item, due in items:
            by_pool[item.pool].append((item, due))
        self.queue.add_pools(by_pool)
        for pool, mine in by_pool.items():
            queue = self.queue.for_pool(pool)
            if again:
                queue.requeue([item for item, _ in mine])
            else:
                queue.enqueue_delayed(mine, now)
        self.store.mark_queued([item.id for item, _ in items], now)


def _by_pool(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        grouped[r["pool"]].append(r)
    return grouped
