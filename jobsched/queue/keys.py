"""Every Redis key, built in one place.

Each worker pool has its own queue. The default pool's keys share the hash tag
``{<prefix>:queue}`` so each Lua script touches one cluster slot; another pool's
share ``{<prefix>:queue:<pool>}`` (a slot of its own, so pools spread over a
cluster). The ready set is named plainly ``<prefix>:queue`` (``<prefix>:queue:<pool>``)
— Redis hashes a key without braces whole, so it lands in the same slot as its
tagged siblings — and keeps the original's name for people debugging with redis-cli.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

DEFAULT_POOL = "default"


@dataclass(frozen=True)
class Keys:
    """(Each name is built once per instance: a trigger reads nine of them.)"""

    prefix: str = "job_scheduler"
    pool: str = DEFAULT_POOL

    @cached_property
    def _queue(self) -> str:
        base = f"{self.prefix}:queue"
        return base if self.pool == DEFAULT_POOL else f"{base}:{self.pool}"

    @cached_property
    def _tag(self) -> str:
        return "{" + self._queue + "}"

    @cached_property
    def ready(self) -> str:
        """zset: execution id, score = (100 - priority) * 1e12 + sequence (lua/_score.lua)."""
        return self._queue

    @cached_property
    def limits(self) -> str:
        """hash: execution id -> its limit groups, one ``<cap>:<group>`` line each: its
        job's max_concurrency (``<cap>:<job id>``) and its concurrency key's limit
        (``<limit>:@<key>``); only for runs under one (lua/_batch.lua)."""
        return f"{self._tag}:limits"

    @cached_property
    def turns(self) -> str:
        """hash: ``<priority>:<fairness key>`` -> the key's last turn (its last ready
        run's sequence): fair order within a priority (lua/_score.lua)."""
        return f"{self._tag}:turns"

    @cached_property
    def fair_clock(self) -> str:
        """string: the turn of the last run claimed; a key new to the queue goes next."""
        return f"{self._tag}:fair-clock"

    @cached_property
    def turns_cursor(self) -> str:
        """string: where the tick's pruning of ``turns`` resumes (an HSCAN cursor)."""
        return f"{self._tag}:turns-cursor"

    @cached_property
    def fairness(self) -> str:
        """hash: execution id -> its fairness key (its concurrency key as ``@<key>``, else
        its job id), for a delayed run's turn when it falls due."""
        return f"{self._tag}:fairness"

    @cached_property
    def handlers(self) -> str:
        """hash: execution id -> its handler (a worker claims only handlers it loaded)."""
        return f"{self._tag}:handlers"

    def job_running(self, group: str) -> str:
        """set: the execution ids in flight of a capped job or (``@<key>``) a concurrency
        key (pruned of finished ones at claim)."""
        return f"{self._tag}:job:{group}"

    @cached_property
    def parked(self) -> str:
        """hash: parked execution id -> its group (``job:<job id>`` or ``handler:<name>``).
        Runs that cannot start now (their job at its max_concurrency, their handler
        served by no live worker of the pool) wait here instead of in ready, so they
        never hide runs that can start (claim.lua)."""
        return f"{self._tag}:parked"

    def parked_job(self, job_id: str) -> str:
        """zset: a capped job's parked runs, score = their ready score (order kept)."""
        return f"{self.parked}:job:{job_id}"

    def parked_handler(self, handler: str) -> str:
        """zset: parked runs of a handler no live worker serves, score as in ready."""
        return f"{self.parked}:handler:{handler}"

    @cached_property
    def parked_handlers(self) -> str:
        """set: handlers with parked runs (a claim by a worker serving one releases them)."""
        return f"{self._tag}:parked-handlers"

    @cached_property
    def parked_jobs(self) -> str:
        """set: capped job ids with parked runs (the tick's reconcile names them all in
        ``freed`` now and then: a safety net for a release that was missed)."""
        return f"{self._tag}:parked-jobs"

    @cached_property
    def freed(self) -> str:
        """set: capped job ids whose runs left flight since the last claim (the claim
        releases as many of their parked runs as they have room for)."""
        return f"{self._tag}:freed"

    @cached_property
    def rate_parked(self) -> str:
        """set: rate groups (``~<key>``) with parked runs; each claim releases as many
        as the key's window of starts has room for."""
        return f"{self._tag}:rate-parked"

    @cached_property
    def served(self) -> str:
        """zset: handler a worker of the pool claimed for (``*``: a worker serving any),
        score = that claim (ms); a handler not seen within WORKER_DEAD_AFTER_MS has no
        live worker, and its runs are parked."""
        return f"{self._tag}:served"

    def claimed(self, token_prefix: str) -> str:
        """string: a claim's reply (JSON), kept a minute under its token prefix, so the
        same call sent again (its reply lost) gets the same leases, not a second batch."""
        return f"{self._tag}:claimed:{token_prefix}"

    @cached_property
    def rate(self) -> str:
        """zset: claims in the pool's rate-limit window (member: token, score: ms)."""
        return f"{self._tag}:rate"

    @cached_property
    def held(self) -> str:
        """hash: ready execution id -> why the last claim passed it over (a limit)."""
        return f"{self._tag}:held"

    @cached_property
    def inflight(self) -> str:
        """zset: execution id, score = lease deadline (ms)."""
        return f"{self._tag}:inflight"

    @cached_property
    def delayed(self) -> str:
        """zset: execution id, score = when its retry is due (ms)."""
        return f"{self._tag}:delayed"

    @cached_property
    def meta(self) -> str:
        """hash: execution id -> priority, for every id the queue holds."""
        return f"{self._tag}:meta"

    @cached_property
    def leases(self) -> str:
        """hash: execution id -> current lease token."""
        return f"{self._tag}:leases"

    @cached_property
    def owners(self) -> str:
        """hash: execution id -> lease owner (the worker process holding the lease)."""
        return f"{self._tag}:owners"

    @cached_property
    def beats(self) -> str:
        """zset: lease owner, score = its last claim or heartbeat (ms); how dead workers
        are found (in the queue's slot, unlike ``workers``)."""
        return f"{self._tag}:beats"

    @cached_property
    def deliveries(self) -> str:
        """hash: execution id -> times claimed since its last deliberate retry."""
        return f"{self._tag}:deliveries"

    @cached_property
    def seq(self) -> str:
        """counter giving FIFO order within a priority."""
        return f"{self._tag}:seq"

    @cached_property
    def cancel(self) -> str:
        """set: in-flight execution ids whose worker must stop them."""
        return f"{self._tag}:cancel"

    @cached_property
    def epoch(self) -> str:
        """marker written when the queue was last rebuilt from PostgreSQL; its absence
        means Redis lost its data."""
        return f"{self._tag}:epoch"

    @cached_property
    def flow_counts(self) -> str:
        """hash: flow-control outcome (``debounce_joined``, ``singleton_skipped``,
        ``singleton_replaced``, ``rate_rejected``) -> how many triggers had it."""
        return f"{self.prefix}:flow:counts"

    @cached_property
    def pools(self) -> str:
        """set: pools that have had work or workers (the tick maintains each one)."""
        return f"{self.prefix}:pools"

    @cached_property
    def leader(self) -> str:
        return f"{self.prefix}:scheduler:leader"

    @cached_property
    def leader_since(self) -> str:
        """string: when the lock's holder took it (ms). Hash-tagged with the lock's
        name, so both are in one cluster slot."""
        return "{" + self.leader + "}:since"

    @cached_property
    def leader_seen(self) -> str:
        """string: when a leader last took or renewed the lock (ms), kept a day."""
        return "{" + self.leader + "}:seen"

    def shard(self, shard: int) -> str:
        """string: the lock of one tick shard (SCHEDULER_SHARDS > 1); value: its owner.
        Taken and renewed like the leader lock, by the same script."""
        return f"{self.prefix}:scheduler:shard:{shard}"

    def shard_since(self, shard: int) -> str:
        """string: when the shard's holder took it (ms); in the lock's slot."""
        return "{" + self.shard(shard) + "}:since"

    def shard_seen(self, shard: int) -> str:
        """string: when a holder last took or renewed the shard (ms), kept a day."""
        return "{" + self.shard(shard) + "}:seen"

    @cached_property
    def tick_instances(self) -> str:
        """zset: tick instance (lock owner), score = its last pass (ms); how many
        instances are alive, so each takes only its fair share of the shards."""
        return f"{self.prefix}:scheduler:instances"

    @cached_property
    def workers(self) -> str:
        """zset: worker id, score = last heartbeat (ms)."""
        return f"{self.prefix}:workers"

    def worker(self, worker_id: str) -> str:
        """hash: a worker's id, host, pid, running, capacity, started_at, last_heartbeat."""
        return f"{self.prefix}:worker:{worker_id}"

    def rate_limit(self, key_id: str) -> str:
        """hash: an API key's token bucket (tokens, at), shared by every API instance."""
        return f"{self.prefix}:ratelimit:{key_id}"
