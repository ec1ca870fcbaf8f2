"""Redis Cluster runs a script only when all its keys hash to one slot (else CROSSSLOT).

Every script call the queue makes is recorded here, with no Redis at all, and its keys
checked against the slot rule; so is each pool's key family, and the leader lock's.
A key added to a script without the pool's hash tag fails here before it fails on a
cluster (tests/integration/test_redis_cluster.py runs the real thing).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.crc import key_slot

from jobsched.queue import Keys, RedisQueue
from jobsched.queue.scripts import SCRIPT_NAMES

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def slot(key: str) -> int:
    return key_slot(key.encode())


class Recorder(dict):
    """Stands in for the loaded scripts: records each call's keys, returns nothing useful
    (the caller's parsing of the reply may then fail; the keys are already recorded)."""

    def __init__(self) -> None:
        super().__init__({name: self._script(name) for name in SCRIPT_NAMES})
        self.calls: list[tuple[str, list[str]]] = []

    def _script(self, name: str) -> Any:
        def run(keys: list[str], args: list[Any]) -> Any:
            self.calls.append((name, keys))
            return []

        return run


def every_script_call(queue: RedisQueue) -> list[tuple[str, list[str]]]:
    calls: list[Any] = [
        lambda: queue.enqueue_delayed([(("e", 50), None)], NOW),
        lambda: queue.restore_leases([("e", 50, "t")], NOW, 1000),
        lambda: queue.requeue([("e", 50)]),
        lambda: queue.claim(1, NOW, 1000, owner="w"),
        lambda: queue.extend([("e", "t")], NOW, 1000, owner="w"),
        lambda: queue.ack([("e", "t")]),
        lambda: queue.retry_later([("e", "t", NOW)]),
        lambda: queue.release([("e", "t")]),
        lambda: queue.defer([("e", "t", 1)]),
        lambda: queue.requeue_expired(NOW),
        lambda: queue.release_dead(NOW, 1000),
        lambda: queue.promote(NOW),
        lambda: queue.age(10),
        lambda: queue.cancel(["e"]),
        lambda: queue.unpark_job("job-1", 2, ["run-1", "run-2"]),
        lambda: queue.acquire_leader("me", 1000, NOW),
        lambda: queue.release_leader("me"),
        lambda: queue.admit("customer-7", 10, 1000, 1, NOW),
        lambda: queue.prune_turns(),
    ]
    recorder: Recorder = queue._scripts  # type: ignore[assignment]
    for call in calls:
        # The stand-in's empty reply may not parse; only the keys matter here.
        with contextlib.suppress(TypeError, ValueError, IndexError):
            call()
    return recorder.calls


@pytest.mark.parametrize("pool", ["default", "reports"])
def test_every_script_call_stays_in_one_slot(pool: str) -> None:
    queue = RedisQueue(None, "job_scheduler", pool, scripts=Recorder())  # type: ignore[arg-type]
    calls = every_script_call(queue)
    assert {name for name, _ in calls} == set(SCRIPT_NAMES)
    for name, keys in calls:
        assert len({slot(k) for k in keys}) == 1, f"{name}: {keys}"


def test_a_pools_keys_share_one_slot_and_pools_differ() -> None:
    slots = {}
    for pool in ("default", "reports", "emails"):
        k = Keys("job_scheduler", pool)
        family = [k.ready, k.delayed, k.inflight, k.meta, k.leases, k.owners, k.beats]
        family += [k.deliveries, k.seq, k.cancel, k.epoch, k.limits, k.handlers, k.rate]
        family += [k.held, k.job_running("job-1")]  # claim.lua builds this one from ARGV
        family += [k.parked, k.parked_handlers, k.parked_jobs, k.freed, k.served]
        family.append(k.claimed("f00d"))
        # Built by the scripts from the parked hash's name:
        family += [k.parked_job("job-1"), k.parked_handler("test.echo")]
        assert k.parked_job("j") == k.parked + ":job:j"
        assert k.parked_handler("h") == k.parked + ":handler:h"
        assert len({slot(key) for key in family}) == 1, pool
        slots[pool] = slot(k.ready)
        assert k.ready.endswith(":queue" if pool == "default" else f":queue:{pool}")  # the name
    assert len(set(slots.values())) == 3  # so a cluster can put them on different shards


def test_the_leader_lock_and_its_markers_share_one_slot() -> None:
    k = Keys("job_scheduler")
    assert slot(k.leader) == slot(k.leader_since) == slot(k.leader_seen)
