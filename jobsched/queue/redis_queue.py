"""The Redis side of the system: what is in flight, never the record of it.

Each public method is one Lua script (one round trip, atomic) or one pipeline.
Time comes in as ``now``; lease tokens are checked by the scripts so a stale
worker can neither extend, ack nor fail a lease it no longer holds.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from redis import Redis

from jobsched.clock import to_ms
from jobsched.domain.leases import LeaseState
from jobsched.domain.models import PoolLimits, QueueItem
from jobsched.queue.coordination import Coordination
from jobsched.queue.groups import fairness_key, key_group, limits_entry, rate_group
from jobsched.queue.keys import DEFAULT_POOL, Keys
from jobsched.queue.redis_link import (  # noqa: F401 (their home was here)
    UNAVAILABLE,
    UNAVAILABLE_CODES,
    Claim,
    ShardHolder,
    _item,
    _ms_time,
    _names,
    connect,
    hostname,
    redis_errors,
    total_depth,
)
from jobsched.queue.scripts import load_scripts
from jobsched.queue.sent_call import SentCall

NO_LIMITS = PoolLimits()
SERVED_MS = 10_000
"""How long a claim keeps its handlers served (``WORKER_DEAD_AFTER_MS``'s default)."""


class RedisQueue(Coordination):
    """One pool's queue (the default pool's unless ``pool`` is given); ``for_pool``
    gives another pool's over the same connection."""

    def __init__(
        self,
        client: Redis,
        prefix: str = "job_scheduler",
        pool: str = DEFAULT_POOL,
        scripts: dict[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.pool = pool
        self.keys = Keys(prefix, pool)
        self._scripts = scripts if scripts is not None else load_scripts(client)
        self._pools: dict[str, RedisQueue] = {pool: self}

    def for_pool(self, pool: str) -> RedisQueue:
        """The queue of ``pool``, sharing this one's connection and scripts."""
        queue = self._pools.get(pool)
        if queue is None:
            queue = RedisQueue(self.client, self.prefix, pool, self._scripts)
            queue._pools = self._pools
            self._pools[pool] = queue
        return queue

    @redis_errors
    def known_pools(self) -> list[str]:
        """Every pool that has had work or workers, the default first."""
        others = self.client.smembers(self.keys.pools) - {DEFAULT_POOL}
        return [DEFAULT_POOL, *sorted(others)]

    @redis_errors
    def count_flow(self, outcomes: Iterable[str]) -> None:
        """Count flow-control outcomes of triggers (``Keys.flow_counts``)."""
        pipe = self.client.pipeline(transaction=False)
        for outcome in outcomes:
            pipe.hincrby(self.keys.flow_counts, outcome, 1)
        pipe.execute()

    @redis_errors
    def admit(self, key: str, limit: int, period_ms: int, runs: int, now: datetime) -> int:
        """Count ``runs`` triggered under a rate key in reject mode: 0 when admitted,
        else how many ms until the key's window has room (``lua/flow_rate.lua``)."""
        keys = [self.keys.job_running(rate_group(key) + ":accepted")]
        args = [to_ms(now), period_ms, limit, runs, secrets.token_hex(8)]
        return int(self._run("flow_rate", keys, args))

    @redis_errors
    def key_load(
        self, keys: Sequence[tuple[str, int | None]], now: datetime
    ) -> list[tuple[int, list[datetime]]]:
        """Per (key, rate period ms or None): the key's runs in flight on this pool and
        its rate window's starts, oldest first (``GET /flow``)."""
        pipe = self.client.pipeline(transaction=False)
        for key, period in keys:
            pipe.scard(self.keys.job_running(key_group(key)))
            since = to_ms(now) - period if period else "+inf"
            pipe.zrangebyscore(
                self.keys.job_running(rate_group(key)), since, "+inf", withscores=True
            )
        out = pipe.execute()
        return [
            (
                int(out[2 * i]),
                [datetime.fromtimestamp(ms / 1000, tz=UTC) for _, ms in out[2 * i + 1]],
            )
            for i in range(len(keys))
        ]

    @redis_errors
    def flow_counts(self) -> dict[str, int]:
        """How many triggers had each flow-control outcome."""
        return {k: int(v) for k, v in self.client.hgetall(self.keys.flow_counts).items()}

    @redis_errors
    def add_pools(self, pools: Iterable[str]) -> None:
        named = [p for p in pools if p != DEFAULT_POOL]
        if named:
            self.client.sadd(self.keys.pools, *named)

    def _run(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        return self._scripts[name](keys=list(keys), args=list(args))

    # ------------------------------------------------------------ producers

    def enqueue(self, items: Iterable[QueueItem | tuple[str, int]], now: datetime) -> int:
        """Make executions ready now. Returns how many were new to the queue."""
        return self.enqueue_delayed(((_item(i), None) for i in items), now)

    @redis_errors
    def enqueue_delayed(
        self, items: Iterable[tuple[QueueItem | tuple[str, int], datetime | None]], now: datetime
    ) -> int:
        """Queue executions due at a time (None, or a time not after ``now``: ready now).
        Idempotent: ids the queue already holds stay where they are."""
        call = self._enqueue_call(items, now)
        return int(self._run("enqueue", *call)) if call else 0

    def send_enqueue(
        self, items: Iterable[tuple[QueueItem, datetime | None]], now: datetime
    ) -> SentCall | None:
        """``enqueue_delayed``, written to Redis now and answered by ``SentCall.answer``
        (how many ids were new); None when there is nothing to send, or the client
        cannot hold a reply back (a cluster's)."""
        call = self._enqueue_call(items, now)
        return SentCall.send(self.client, self._scripts["enqueue"], *call) if call else None

    def _enqueue_call(
        self, items: Iterable[tuple[QueueItem | tuple[str, int], datetime | None]], now: datetime
    ) -> tuple[list[str], list[Any]] | None:
        k = self.keys
        args: list[Any] = [to_ms(now)]
        for item, due in items:
            i = _item(item)
            # Rounded up: a claim at the due millisecond is never before the due time.
            # Due now (a trigger's run is due at its writer's ``now``): ready, not
            # parked in the delayed set for a claim to move one millisecond later.
            due_ms = math.ceil(due.timestamp() * 1000) if due and due > now else 0
            args += [i.id, i.priority, due_ms, limits_entry(i), fairness_key(i), i.handler]
        if len(args) == 1:
            return None
        keys = [k.ready, k.delayed, k.meta, k.seq, k.limits, k.handlers]
        keys += [k.turns, k.fair_clock, k.fairness]
        return keys, args

    @redis_errors
    def restore_leases(
        self,
        items: Iterable[tuple[str, int, str] | tuple[str, int, str, QueueItem]],
        now: datetime,
        visibility_ms: int,
    ) -> int:
        """Put running executions back in flight under their recorded lease tokens; a
        run given with its queue item holds its job's and its key's slots again."""
        k = self.keys
        args: list[Any] = [to_ms(now) + visibility_ms, to_ms(now), k.job_running("")]
        for execution_id, priority, token, *item in items:
            args += [execution_id, priority, token, limits_entry(item[0]) if item else ""]
        if len(args) == 3:
            return 0
        keys = [k.inflight, k.leases, k.meta, k.owners, k.beats, k.limits]
        return int(self._run("restore", keys, args))

    @redis_errors
    def requeue(self, items: Sequence[QueueItem | tuple[str, int]]) -> int:
        """Make executions ready now, dropping whatever an earlier life of each id left
        in the queue (a cancelled copy's lease and cancel flag, its delivery count).
        For runs made claimable again on purpose: retry, redrive."""
        if not items:
            return 0
        k = self.keys
        args: list[Any] = []
        for item in map(_item, items):
            args += [item.id, item.priority, limits_entry(item), fairness_key(item), item.handler]
        keys = [
            k.ready,
            k.delayed,
            k.inflight,
            k.leases,
            k.owners,
            k.meta,
            k.deliveries,
            k.cancel,
            k.seq,
            k.limits,
            k.handlers,
            k.freed,
            k.parked,
            k.fairness,
        ]
        return int(self._run("requeue", keys, args))

    # -------------------------------------------------------------- workers

    @redis_errors
    def claim(
        self,
        count: int,
        now: datetime,
        visibility_ms: int,
        owner: str = "",
        limits: PoolLimits = NO_LIMITS,
        handlers: Sequence[str] = (),
        served_ms: int = SERVED_MS,
        ahead_ms: int = 0,
        ahead: int = 0,
    ) -> list[Claim]:
        """Lease up to ``count`` executions, highest priority first, FIFO within one,
        within the pool's ``limits`` and each job's max_concurrency. ``owner`` (the
        claiming worker process) lets ``release_dead`` find the leases of a worker
        whose heartbeats stopped. ``handlers``: the ones this worker loaded; runs of
        others stay for a worker that did (empty: any). Runs that cannot start now
        are parked (``claim.lua``): a handler no worker claimed for within
        ``served_ms`` (``WORKER_DEAD_AFTER_MS``) has no live worker. Up to ``ahead``
        more runs due within ``ahead_ms`` are claimed before their time (their
        ``due_ms`` set), for the caller to start when due (``jobsched.worker_ahead``)."""
        if count <= 0 and (ahead <= 0 or ahead_ms <= 0):
            return []
        k = self.keys
        prefix = secrets.token_hex(8)
        keys = [k.ready, k.inflight, k.leases, k.deliveries, k.owners, k.beats]
        keys += [k.limits, k.rate, k.held, k.handlers, k.delayed, k.meta, k.seq]
        keys += [k.parked, k.parked_handlers, k.freed, k.served]
        keys += [k.claimed(prefix), k.parked_jobs, k.turns, k.fair_clock, k.fairness]
        keys += [k.rate_parked]
        args = [to_ms(now), visibility_ms, count, prefix, owner]
        args += [limits.concurrency, limits.rate, limits.per_ms, k.job_running("")]
        args += ["\n".join(handlers), served_ms]
        args += [to_ms(now) + ahead_ms if ahead_ms > 0 else 0, max(ahead, 0)]
        flat = self._run("claim", keys, args)
        return [
            Claim(flat[i], flat[i + 1], int(flat[i + 2]), int(flat[i + 3]))
            for i in range(0, len(flat), 4)
        ]

    @redis_errors
    def next_due(self) -> datetime | None:
        """When the earliest delayed execution falls due (None: none waits), so an idle
        worker can claim at that moment instead of at its next poll."""
        first = self.client.zrange(self.keys.delayed, 0, 0, withscores=True)
        return datetime.fromtimestamp(first[0][1] / 1000, tz=UTC) if first else None

    @redis_errors
    def extend(
        self,
        leases: Sequence[tuple[str, str]],
        now: datetime,
        visibility_ms: int,
        owner: str = "",
    ) -> dict[str, LeaseState]:
        """Heartbeat. Per id, its lease's state (``LeaseState``: lost, extended, extended
        with a cancel requested, or unknown while the tick rebuilds a lost queue)."""
        if not leases:
            return {}
        k = self.keys
        args: list[Any] = [to_ms(now), visibility_ms, owner]
        for execution_id, token in leases:
            args += [execution_id, token]
        keys = [k.inflight, k.leases, k.cancel, k.owners, k.beats, k.epoch]
        result = self._run("extend", keys, args)
        return {eid: LeaseState(int(r)) for (eid, _), r in zip(leases, result, strict=True)}

    @redis_errors
    def ack(self, leases: Sequence[tuple[str, str]]) -> dict[str, bool]:
        """Forget finished executions. Per id: True if the caller still held the lease."""
        if not leases:
            return {}
        k = self.keys
        args = [x for pair in leases for x in pair]
        keys = [k.inflight, k.leases, k.deliveries, k.meta, k.cancel, k.owners, k.limits]
        keys += [k.handlers, k.freed, k.fairness]
        result = self._run("ack", keys, args)
        return {eid: bool(r) for (eid, _), r in zip(leases, result, strict=True)}

    @redis_errors
    def retry_later(self, items: Sequence[tuple[str, str, datetime]]) -> dict[str, bool]:
        """Failed attempts wait in the delayed set until their due time."""
        if not items:
            return {}
        k = self.keys
        args: list[Any] = []
        for execution_id, token, due in items:
            args += [execution_id, token, to_ms(due)]
        keys = [k.inflight, k.delayed, k.leases, k.deliveries, k.owners, k.limits, k.freed]
        result = self._run("retry_later", keys, args)
        return {item[0]: bool(r) for item, r in zip(items, result, strict=True)}

    @redis_errors
    def release(
        self, leases: Sequence[tuple[str, str]], delivered: bool = False
    ) -> dict[str, bool]:
        """Hand leased executions back to the front of the ready set. ``delivered``:
        the run had started (a stopping worker hands it back), so the claim still
        counts toward ``MAX_DELIVERIES``."""
        if not leases:
            return {}
        k = self.keys
        args = [1 if delivered else 0] + [x for pair in leases for x in pair]
        keys = [k.inflight, k.ready, k.leases, k.meta, k.deliveries, k.owners]
        keys += [k.limits, k.freed]
        result = self._run("release", keys, args)
        return {eid: bool(r) for (eid, _), r in zip(leases, result, strict=True)}

    @redis_errors
    def defer(self, items: Sequence[tuple[str, str, int]]) -> dict[str, bool]:
        """Give back runs claimed ahead of their time, unstarted: each waits in the
        delayed set until its due time (ms) again, its claim not counted a delivery."""
        if not items:
            return {}
        k = self.keys
        args = [x for item in items for x in item]
        keys = [k.inflight, k.delayed, k.leases, k.deliveries, k.owners]
        result = self._run("defer", keys, args)
        return {item[0]: bool(r) for item, r in zip(items, result, strict=True)}

    # ----------------------------------------------------------- scheduler

    @redis_errors
    def requeue_expired(self, now: datetime, limit: int = 1000) -> list[str]:
        k = self.keys
        return list(
            self._run(
                "requeue_expired",
                [k.inflight, k.ready, k.leases, k.meta, k.owners, k.limits, k.freed],
                [to_ms(now), limit],
            )
        )

    @redis_errors
    def release_dead(self, now: datetime, dead_after_ms: int, limit: int = 1000) -> list[str]:
        """Requeue the leases of workers that have not heartbeaten for ``dead_after_ms``."""
        k = self.keys
        keys = [k.inflight, k.ready, k.leases, k.meta, k.owners, k.beats, k.limits, k.freed]
        return list(self._run("release_dead", keys, [to_ms(now), dead_after_ms, limit]))

    @redis_errors
    def promote(self, now: datetime, limit: int = 1000) -> list[str]:
        k = self.keys
        keys = [k.delayed, k.ready, k.meta, k.seq, k.turns, k.fair_clock, k.fairness]
        return list(self._run("promote", keys, [to_ms(now), limit]))

    @redis_errors
    def prune_turns(self, step: int = 500) -> int:
        """Forget fairness keys the fair clock has passed (``prune_turns.lua``), a step
        of a scan per call. Returns how many were forgotten."""
        k = self.keys
        return int(self._run("prune_turns", [k.turns, k.fair_clock, k.turns_cursor], [step]))

    @redis_errors
    def age(self, step: int, limit: int = 1000) -> int:
        """Priority aging (``age.lua``): each ready run gains one priority level for every
        ``step`` runs queued after it. Returns how many moved."""
        k = self.keys
        return int(self._run("age", [k.ready, k.meta, k.seq], [step, limit]))

    @redis_errors
    def cancel(self, execution_ids: Sequence[str]) -> dict[str, int]:
        """Per id: 2 running (its worker is told), 1 removed from the queue, 0 unknown."""
        if not execution_ids:
            return {}
        k = self.keys
        result = self._run(
            "cancel",
            [
                k.ready,
                k.delayed,
                k.inflight,
                k.meta,
                k.deliveries,
                k.cancel,
                k.limits,
                k.held,
                k.handlers,
                k.parked,
                k.freed,
                k.fairness,
            ],
            list(execution_ids),
        )
        return {eid: int(r) for eid, r in zip(execution_ids, result, strict=True)}

    @redis_errors
    def unpark_job(
        self, job_id: str, max_concurrency: int | None, execution_ids: Sequence[str] = ()
    ) -> int:
        """A job's max_concurrency changed: ``execution_ids`` (its unfinished runs) take the
        new cap wherever the queue holds them, and its parked runs go back to ready, in
        their order (a claim parks again those still over it). Returns how many moved."""
        k = self.keys
        keys = [k.ready, k.parked, k.limits, k.parked_jobs, k.meta, k.inflight]
        keys.append(k.job_running(job_id))
        return int(self._run("unpark", keys, [job_id, max_concurrency or 0, *execution_ids]))

    @redis_errors
    def recheck_parked(self) -> None:
        """Have the next claim look again at every job with parked runs, releasing as
        many as each has room for. A safety net the tick's reconcile casts now and
        then: a release is missed if a run left flight by a script that did not name
        its job (a worker of an older version, mid-upgrade)."""
        k = self.keys
        self.client.sunionstore(k.freed, [k.freed, k.parked_jobs])

    @redis_errors
    def unknown(self, execution_ids: Sequence[str], batch: int = 1000) -> list[str]:
        """The ids among these the queue does not hold (in none of ready, in-flight and
        delayed: meta holds every id the queue does). Reads only."""
        meta = self.keys.meta
        with self.client.pipeline(transaction=False) as pipe:
            for i in range(0, len(execution_ids), batch):
                pipe.hmget(meta, execution_ids[i : i + batch])
            found = [v for chunk in pipe.execute() for v in chunk]
        return [eid for eid, v in zip(execution_ids, found, strict=True) if v is None]

    @redis_errors
    def needs_rebuild(self) -> bool:
        """True when a known pool's epoch marker is gone: Redis lost (or never had) its
        queue. Every pool is asked, not only this one: on a Redis Cluster each pool lives
        on its own shard, and one shard can come back empty while the others keep theirs.
        (Should the shard holding the pools set itself come back empty, the periodic
        reconcile, which reads the pools from PostgreSQL, restores the rest.)"""
        pools = self.known_pools()
        with self.client.pipeline(transaction=False) as pipe:
            for pool in pools:
                pipe.exists(self.for_pool(pool).keys.epoch)
            return not all(pipe.execute())

    @redis_errors
    def mark_rebuilt(self, now: datetime) -> None:
        self.client.set(self.keys.epoch, to_ms(now))

    @redis_errors
    def depth(self) -> dict[str, int]:
        """Runs waiting (``ready``: parked ones included, they wait as much), in flight
        and delayed."""
        k = self.keys
        with self.client.pipeline(transaction=False) as pipe:
            pipe.zcard(k.ready).hlen(k.parked).zcard(k.inflight).zcard(k.delayed)
            ready, parked, inflight, delayed = pipe.execute()
        return {"ready": ready + parked, "in_flight": inflight, "delayed": delayed}

    @redis_errors
    def lease_deadlines(self, execution_ids: Sequence[str]) -> dict[str, int | None]:
        """Each id's lease deadline (ms) in this pool's in-flight set; None: not there."""
        with self.client.pipeline(transaction=False) as pipe:
            for execution_id in execution_ids:
                pipe.zscore(self.keys.inflight, execution_id)
            scores = pipe.execute()
        return {
            i: None if score is None else int(score)
            for i, score in zip(execution_ids, scores, strict=True)
        }

    @redis_errors
    def held(self, execution_ids: Sequence[str]) -> dict[str, str]:
        """Why each of these waiting ids was passed over by the last claims (a limit
        of its job or of the pool); ids not held are left out."""
        if not execution_ids:
            return {}
        ids = list(execution_ids)
        values = self.client.hmget(self.keys.held, [*ids, "*"])
        pool_why = values[-1]
        out = {eid: why for eid, why in zip(ids, values[:-1], strict=True) if why}
        if pool_why:
            ready = self.client.zmscore(self.keys.ready, ids)
            out.update({e: pool_why for e, s in zip(ids, ready, strict=True) if s and e not in out})
        return out

    @redis_errors
    def ready_ids(self) -> list[str]:
        return list(self.client.zrange(self.keys.ready, 0, -1))

    @redis_errors
    def ping(self) -> bool:
        return bool(self.client.ping())
