"""What the processes tell each other through Redis, beside the runs: the tick's leader
lock and its shards, the tick instances alive, the workers' registry and Redis's clock.
Part of every ``RedisQueue`` (a base class: the same connection, keys and scripts)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from redis import Redis

from jobsched.clock import to_ms
from jobsched.queue.keys import DEFAULT_POOL, Keys
from jobsched.queue.redis_link import ShardHolder, _ms_time, _names, redis_errors


class Coordination:
    client: Redis
    keys: Keys

    def _run(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        raise NotImplementedError  # RedisQueue's

    # ------------------------------------------------------- leader lock

    @redis_errors
    def acquire_leader(self, owner: str, ttl_ms: int, now: datetime | None = None) -> bool:
        """Take or renew the lock; ``now`` is recorded as when a new holder took it."""
        now_ms = to_ms(now) if now is not None else int(time.time() * 1000)
        keys = [self.keys.leader, self.keys.leader_since, self.keys.leader_seen]
        return bool(self._run("leader_acquire", keys, [owner, ttl_ms, now_ms]))

    @redis_errors
    def release_leader(self, owner: str) -> bool:
        return bool(
            self._run("leader_release", [self.keys.leader, self.keys.leader_since], [owner])
        )

    @redis_errors
    def leader(self) -> tuple[str | None, int]:
        with self.client.pipeline(transaction=False) as pipe:
            pipe.get(self.keys.leader).pttl(self.keys.leader)
            owner, ttl = pipe.execute()
        return owner, max(int(ttl), 0)

    @redis_errors
    def leader_since(self) -> datetime | None:
        """When the current leader took the lock (None: no leader)."""
        return _ms_time(self.client.get(self.keys.leader_since))

    @redis_errors
    def leader_seen(self) -> datetime | None:
        """When a leader last took or renewed the lock (None: not in the last day)."""
        return _ms_time(self.client.get(self.keys.leader_seen))

    # ------------------------------------------------- tick shards (sharded tick)

    @redis_errors
    def acquire_shards(
        self, owner: str, shards: Sequence[int], ttl_ms: int, now: datetime
    ) -> list[int]:
        """Take or renew each shard's lock (the leader lock's script, one call per shard:
        each lock is its own slot, and a cluster pipeline refuses scripts). Returns the
        shards now held."""
        k, now_ms = self.keys, to_ms(now)
        return [
            shard
            for shard in shards
            if self._run(
                "leader_acquire",
                [k.shard(shard), k.shard_since(shard), k.shard_seen(shard)],
                [owner, ttl_ms, now_ms],
            )
        ]

    @redis_errors
    def release_shards(self, owner: str, shards: Sequence[int]) -> None:
        """Give these shards up, only those ``owner`` holds (never a bare DEL)."""
        for shard in shards:
            keys = [self.keys.shard(shard), self.keys.shard_since(shard)]
            self._run("leader_release", keys, [owner])

    @redis_errors
    def shard_holders(self, shards: int) -> list[ShardHolder]:
        """Each shard's holder, shard 0 first (for the doctor and /metrics)."""
        k = self.keys
        with self.client.pipeline(transaction=False) as pipe:
            for shard in range(shards):
                pipe.get(k.shard(shard)).pttl(k.shard(shard)).get(k.shard_seen(shard))
            v = pipe.execute()
        return [
            ShardHolder(i // 3, v[i], max(int(v[i + 1]), 0), _ms_time(v[i + 2]))
            for i in range(0, len(v), 3)
        ]

    @redis_errors
    def register_tick(self, owner: str, now: datetime, alive_ms: int) -> list[str]:
        """Record that ``owner`` passed now; returns the tick instances seen within
        ``alive_ms``, sorted (an instance's rank is its index: stable while they live)."""
        now_ms = to_ms(now)
        key = self.keys.tick_instances
        with self.client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", now_ms - alive_ms)
            pipe.zadd(key, {owner: now_ms})
            pipe.pexpire(key, alive_ms * 2)
            pipe.zrange(key, 0, -1)
            return sorted(pipe.execute()[-1])

    @redis_errors
    def unregister_tick(self, owner: str) -> None:
        self.client.zrem(self.keys.tick_instances, owner)

    @redis_errors
    def server_time(self) -> datetime:
        """Redis's clock (for the doctor's skew check)."""
        seconds, micros = self.client.time()
        return datetime.fromtimestamp(seconds + micros / 1e6, UTC)

    # ----------------------------------------------------- worker registry

    @redis_errors
    def heartbeat_worker(self, info: dict[str, Any], now: datetime, ttl_s: int = 3600) -> None:
        """Record a worker's beat; its details expire ``ttl_s`` after its last one, and
        so does its entry in the registry (pruned here: workers killed without saying
        goodbye would otherwise stay in it forever unless someone listed the workers)."""
        k = self.keys
        fields = {key: str(value) for key, value in info.items()}
        fields["last_heartbeat"] = now.isoformat()
        with self.client.pipeline(transaction=False) as pipe:
            pipe.hset(k.worker(info["id"]), mapping=fields)
            pipe.expire(k.worker(info["id"]), ttl_s)
            pipe.zadd(k.workers, {info["id"]: to_ms(now)})
            pipe.zremrangebyscore(k.workers, "-inf", to_ms(now) - ttl_s * 1000)
            pipe.execute()

    @redis_errors
    def remove_worker(self, worker_id: str) -> None:
        with self.client.pipeline(transaction=False) as pipe:
            # Two statements: a cluster pipeline's delete() does not return the pipeline.
            pipe.delete(self.keys.worker(worker_id))
            pipe.zrem(self.keys.workers, worker_id)
            pipe.execute()

    @redis_errors
    def workers(self, now: datetime, stale_after_ms: int, forget_after_ms: int) -> list[dict]:
        """Registered workers, newest heartbeat first; long-gone ones are forgotten."""
        k = self.keys
        now_ms = to_ms(now)
        self.client.zremrangebyscore(k.workers, "-inf", now_ms - forget_after_ms)
        entries = self.client.zrevrange(k.workers, 0, -1, withscores=True)
        with self.client.pipeline(transaction=False) as pipe:
            for worker_id, _ in entries:
                pipe.hgetall(k.worker(worker_id))
            infos = pipe.execute()
        out = []
        for (worker_id, beat), info in zip(entries, infos, strict=True):
            if not info:
                continue
            out.append(
                {
                    "id": worker_id,
                    "host": info.get("host"),
                    "pid": int(info.get("pid", 0)),
                    "running": int(info.get("running", 0)),
                    "capacity": int(info.get("capacity", 0)),
                    "started_at": info.get("started_at"),
                    "last_heartbeat": info.get("last_heartbeat"),
                    "stale": now_ms - beat > stale_after_ms,
                    "pools": _names(info.get("pools", DEFAULT_POOL)),
                    "handlers": _names(info.get("handlers", "")),
                }
            )
        return out
