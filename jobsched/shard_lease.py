"""A tick instance's share of the shards (SCHEDULER_SHARDS > 1).

Each pass, ``renew(now)``:
1. registers the instance (a heartbeat in ``tick_instances``) and counts the live ones;
2. renews the shard locks it holds (the leader lock's script, one lock per shard):
   one lost to another instance (ours lapsed) is dropped;
3. gives back any beyond its fair share (``ceil(shards / live instances)``), so a
   newcomer finds shards free, or takes free ones up to it, trying them from a point
   set by its rank so instances starting together spread out.

A dead instance stops renewing: its locks lapse and its heartbeat ages out after
``LEADER_LOCK_TTL``, and the survivors' next passes take its shards (the share grows
as the count of live instances falls). Two instances briefly scanning one shard is
harmless: the occurrence index keeps one run per (job, scheduled time), and the
due-scan's ``SKIP LOCKED`` keeps them off each other's rows.
"""

from __future__ import annotations

import logging
from datetime import datetime

from jobsched.domain.shards import fair_share, preference
from jobsched.queue import RedisQueue

log = logging.getLogger("jobsched.shard_lease")


class ShardLease:
    def __init__(self, queue: RedisQueue, owner: str, shards: int, ttl_ms: int) -> None:
        self.queue = queue
        self.owner = owner
        self.shards = shards
        self.ttl_ms = ttl_ms
        self.held: list[int] = []

    def renew(self, now: datetime) -> list[int]:
        """Renew, give back or take shards as above; returns those held, ascending."""
        live = self.queue.register_tick(self.owner, now, self.ttl_ms)
        share = fair_share(self.shards, len(live))
        held = self.queue.acquire_shards(self.owner, self.held, self.ttl_ms, now)
        if len(held) > share:
            self.queue.release_shards(self.owner, held[share:])
            held = held[:share]
        elif len(held) < share:
            rank = live.index(self.owner) if self.owner in live else 0
            free = [s for s in preference(rank, share, self.shards) if s not in held]
            while free and len(held) < share:
                tries, free = free[: share - len(held)], free[share - len(held) :]
                held += self.queue.acquire_shards(self.owner, tries, self.ttl_ms, now)
        if sorted(held) != self.held:
            log.info(
                "tick shards changed",
                extra={"owner": self.owner, "shards": sorted(held), "instances": len(live)},
            )
        self.held = sorted(held)
        return self.held

    def release(self) -> None:
        """Give every shard back and leave the count of instances (a clean stop)."""
        self.queue.release_shards(self.owner, self.held)
        self.queue.unregister_tick(self.owner)
        self.held = []
