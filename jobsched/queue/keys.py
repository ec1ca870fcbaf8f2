"""Every Redis key, built in one place.

The queue's keys share the hash tag ``{<prefix>:queue}`` so each Lua script touches
one cluster slot. The ready set is named plainly ``<prefix>:queue`` — Redis hashes a
key without braces whole, so it lands in the same slot as its tagged siblings — and
keeps the original's name for people debugging with redis-cli.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str = "job_scheduler"

    @property
    def _tag(self) -> str:
        return "{" + self.prefix + ":queue}"

    @property
    def ready(self) -> str:
        """zset: execution id, score = (100 - priority) * 1e12 + sequence."""
        return f"{self.prefix}:queue"

    @property
    def inflight(self) -> str:
        """zset: execution id, score = lease deadline (ms)."""
        return f"{self._tag}:inflight"

    @property
    def delayed(self) -> str:
        """zset: execution id, score = when its retry is due (ms)."""
        return f"{self._tag}:delayed"

    @property
    def meta(self) -> str:
        """hash: execution id -> priority, for every id the queue holds."""
        return f"{self._tag}:meta"

    @property
    def leases(self) -> str:
        """hash: execution id -> current lease token."""
        return f"{self._tag}:leases"

    @property
    def owners(self) -> str:
        """hash: execution id -> lease owner (the worker process holding the lease)."""
        return f"{self._tag}:owners"

    @property
    def beats(self) -> str:
        """zset: lease owner, score = its last claim or heartbeat (ms); how dead workers
        are found (in the queue's slot, unlike ``workers``)."""
        return f"{self._tag}:beats"

    @property
    def deliveries(self) -> str:
        """hash: execution id -> times claimed since its last deliberate retry."""
        return f"{self._tag}:deliveries"

    @property
    def seq(self) -> str:
        """counter giving FIFO order within a priority."""
        return f"{self._tag}:seq"

    @property
    def cancel(self) -> str:
        """set: in-flight execution ids whose worker must stop them."""
        return f"{self._tag}:cancel"

    @property
    def epoch(self) -> str:
        """marker written when the queue was last rebuilt from PostgreSQL; its absence
        means Redis lost its data."""
        return f"{self._tag}:epoch"

    @property
    def leader(self) -> str:
        return f"{self.prefix}:scheduler:leader"

    @property
    def workers(self) -> str:
        """zset: worker id, score = last heartbeat (ms)."""
        return f"{self.prefix}:workers"

    def worker(self, worker_id: str) -> str:
        """hash: a worker's id, host, pid, running, capacity, started_at, last_heartbeat."""
        return f"{self.prefix}:worker:{worker_id}"

    def rate_limit(self, key_id: str) -> str:
        """hash: an API key's token bucket (tokens, at), shared by every API instance."""
        return f"{self.prefix}:ratelimit:{key_id}"
