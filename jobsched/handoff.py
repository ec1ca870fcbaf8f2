"""The one hand-off from PostgreSQL (the record) to Redis (what is in flight).

A run reaches the queue one of two ways, and a crash between writing it and pushing
it loses nothing either way:

- **Written QUEUED, then pushed** (triggers: ``jobsched.trigger.trigger(queued=True)``).
  One transaction writes the rows QUEUED with ``queued_at`` set, one Redis call pushes
  them; no second transaction marks them. If the push fails or the writer dies after
  commit, the rows are QUEUED but missing from Redis: the tick's ``repair`` pushes
  runs written QUEUED at least ``PUSH_GRACE`` ago that Redis lacks (each pass, over
  the rows written since its last pass, so within seconds), and its ``restore``
  (every RECONCILE_EVERY, and on rebuild) pushes any it still missed. This is the hot
  path: a producer pays one PostgreSQL transaction and one Redis round trip per
  trigger, whatever the batch size. The common single trigger sends that round trip
  before its write is acknowledged, so the two overlap (jobsched/early_push.py).
- **Written PENDING, pushed, then marked QUEUED** (the tick's scheduled runs, held-back
  runs it releases, backfills, manual retries and redrives): the outbox. If the push
  or the mark fails, the row stays PENDING and the tick's ``flush_outbox`` pushes it.
  These keep the outbox because their rows are written by the tick itself or rarely,
  and held-back or re-run rows need its extra care (on hold; ``again``).

Pushing is idempotent (an id Redis holds stays where it is), so a repair racing the
writer's own push is harmless. A push that arrives after the run finished (the run
was read QUEUED, then claimed, run and acked before the push landed) puts a finished
run back in the queue: the claim finds it finished in PostgreSQL and drops it
(``Store.start`` leaves it out, the worker acks it away), so it never runs twice.
``restore`` and ``repair`` read PostgreSQL again for the ids Redis lacks to keep such
pushes rare (see ``_push_missing``). Each run goes to its pool's queue
(``Execution.pool``, a copy of its job's).

Used by the tick (outbox, repair, restore), triggers, and manual retries and redrives.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from jobsched.domain.models import Execution, NewExecution, QueueItem
from jobsched.domain.states import ExecutionStatus
from jobsched.early_push import EarlyPush, Routes
from jobsched.errors import DependencyError
from jobsched.queue import RedisQueue
from jobsched.store import Store
from jobsched.store.rows import queue_item

log = logging.getLogger("jobsched.handoff")

OUTBOX_BATCH = 1000
RECONCILE_PAGE = 1000
"""Unfinished runs the reconcile reads from PostgreSQL at once (each about 1 KB)."""
PUSHED_BY_WRITER = (ExecutionStatus.PENDING, ExecutionStatus.QUEUED)
"""Statuses of the runs a write returns that its writer pushes (unless on hold)."""


class Handoff:
    def __init__(self, store: Store, queue: RedisQueue) -> None:
        self.store = store
        self.queue = queue
        self.routes = Routes()
        """Jobs' routes as their triggers here last saw them (jobsched/early_push.py)."""

    def early(self) -> EarlyPush:
        """A single trigger's push, to send ahead of its write (``trigger_executions``'
        ``early``), then given to ``submit``."""
        return EarlyPush(self.queue, self.routes)

    def submit(
        self,
        write: Callable[[], list[NewExecution]],
        now: datetime,
        *,
        again: bool = False,
        early: EarlyPush | None = None,
    ) -> list[Execution]:
        """Write runs (``write``: one store transaction returning them PENDING, or
        QUEUED, each with its queue item), then push them in one round trip per pool;
        PENDING ones are then marked QUEUED, updating the returned executions to match.

        Whatever ``write`` raises propagates (nothing was written). Once the rows
        exist no failure may reach the caller (a client retrying after an error would
        create the runs twice): a failed push is logged and left to the tick (its
        outbox pass for PENDING runs, its repair for QUEUED ones). ``again``: runs made
        claimable again on purpose (retry, redrive) replace what their earlier life
        left in Redis, or the idempotent push would be a no-op. ``early``: the run it
        pushed before ``write`` answered (``EarlyPush.pushed``) is not pushed again."""
        runs = write()
        executions = [r.execution for r in runs]
        pushed = early.pushed if early is not None else None
        ready = [
            r
            for r in runs
            if r.execution.status in PUSHED_BY_WRITER
            and not r.execution.on_hold
            and r.execution.id != pushed
        ]
        outbox = [r.execution for r in ready if r.execution.status == ExecutionStatus.PENDING]
        try:
            self._push([(r.item, r.execution.due) for r in ready], now, again=again)
            self.store.outbox.mark_queued([e.id for e in outbox], now)
        except DependencyError as exc:
            log.warning("push deferred to the tick: %s", exc)
            return executions
        except Exception:
            log.exception("push failed unexpectedly; deferred to the tick")
            return executions
        for e in outbox:
            e.status, e.queued_at = ExecutionStatus.QUEUED.value, now
        return executions

    def flush_outbox(self, now: datetime) -> int:
        """Push every PENDING run, then mark it QUEUED; returns how many. Raises
        ``DependencyError`` when Redis or PostgreSQL fails (the rest waits a tick)."""
        pushed = 0
        while True:
            pending = self.store.outbox.pending(limit=OUTBOX_BATCH)
            self._push(pending, now)
            self.store.outbox.mark_queued([item.id for item, _ in pending], now)
            pushed += len(pending)
            if len(pending) < OUTBOX_BATCH:
                return pushed

    def restore(self, now: datetime, visibility_ms: int) -> int:
        """Make Redis hold every run PostgreSQL says is in flight: QUEUED ones ready,
        RUNNING ones under their recorded lease, RETRYING ones delayed until due.

        Idempotent (ids Redis knows are left alone), so it doubles as the periodic
        reconcile. Reads PostgreSQL in keyset pages of ``RECONCILE_PAGE`` runs, each
        checked and pushed before the next is read: memory stays bounded however many
        runs are unfinished (runs for later may be many). Returns how many ids were
        missing from Redis."""
        pools = set(self.queue.known_pools())
        added = 0
        after = None
        while True:
            page = self.store.outbox.unfinished(after=after, limit=RECONCILE_PAGE)
            mine = {r["pool"] for r in page}
            added += self._push_missing(page, mine, now, visibility_ms)
            pools |= mine
            if len(page) < RECONCILE_PAGE:
                break
            after = (page[-1]["created_at"], page[-1]["id"])
        for pool in sorted(pools):
            self.queue.for_pool(pool).mark_rebuilt(now)
        if added:
            log.warning("queue rebuilt from PostgreSQL", extra={"restored": added})
        return added

    def repair(self, since: datetime, until: datetime, now: datetime, visibility_ms: int) -> int:
        """Push the runs written QUEUED in ``since <= created_at < until`` that Redis
        lacks: their writer's push failed, or it died between commit and push. The
        tick calls it each pass over the rows written since its last pass, ``until``
        a grace period before now (the writer's own push is under way till then).
        Returns how many were pushed."""
        written = self.store.outbox.queued_between(since, until)
        if not written:
            return 0
        added = self._push_missing(written, {r["pool"] for r in written}, now, visibility_ms)
        if added:
            log.warning("runs whose push was lost pushed by the tick", extra={"pushed": added})
        return added

    def _push_missing(
        self, snapshot: list[dict[str, Any]], pools: set[str], now: datetime, visibility_ms: int
    ) -> int:
        """Push the runs of ``snapshot`` (rows as ``store.outbox.unfinished`` returns them)
        that Redis lacks and PostgreSQL still has unfinished; returns how many.

        Runs keep finishing while this reads, and Redis forgets a run (its ack) only
        after PostgreSQL records it finished: pushing what one read of PostgreSQL
        called unfinished would put runs finished since back in the queue. So the ids
        Redis lacks are read from PostgreSQL again: one unfinished before and after
        Redis was found without it is really missing (Redis holds a run from its push
        until that ack; a run written QUEUED whose writer has not pushed it yet is
        pushed here too, and the writer's push then finds it held)."""
        self.queue.add_pools(pools)
        lacking = [
            eid
            for pool, rows in _by_pool(snapshot).items()
            for eid in self.queue.for_pool(pool).unknown([r["id"] for r in rows])
        ]
        by_pool = _by_pool(self.store.outbox.unfinished(lacking)) if lacking else {}
        added = 0
        for pool, mine in sorted(by_pool.items()):
            queue = self.queue.for_pool(pool)
            # A run for later goes back to waiting for its time, never early.
            ready = [(queue_item(r), r["due"]) for r in mine if r["status"] == "QUEUED"]
            running = [
                (r["id"], r["priority"], r["lease_token"] or "lost", queue_item(r))
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
        return added

    def _push(
        self,
        items: Sequence[tuple[QueueItem, datetime | None]],
        now: datetime,
        again: bool = False,
    ) -> None:
        """Push (run, due) pairs, one script call per pool: ready now, or waiting in the
        delayed set until ``due`` (a run for later: claimable from that moment, never
        before)."""
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


def _by_pool(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        grouped[r["pool"]].append(r)
    return grouped
