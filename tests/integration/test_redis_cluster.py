"""Redis Cluster specifics, on real clusters started from ``redis-server``: pools spread
over the shards, and a primary killed mid-use is replaced by its replica without a run
lost and without any error but ``DependencyError`` (the API's 503) on the way.

The queue's behaviour itself is checked by the ``also_cluster`` modules, which run
against a cluster as well as a single Redis.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from redis.cluster import RedisCluster

from infra.local.ports import free_port
from infra.local.services import LocalServices, cluster_ok
from jobsched.clock import FakeClock
from jobsched.errors import DependencyError
from jobsched.queue import Keys, RedisQueue
from jobsched.queue.redis_queue import connect
from jobsched.scheduler import TickReport
from jobsched.settings import Settings
from jobsched.store import Store
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import tick_after_redis_loss, wait_for

VIS = 10_000


def node_holding(client, key: str) -> str:
    """host:port of the primary that serves ``key``'s slot."""
    return client.nodes_manager.get_node_from_slot(client.keyslot(key)).name


def test_pools_spread_over_the_shards(redis_cluster_url: str, key_prefix: str) -> None:
    queue = RedisQueue(connect(redis_cluster_url, cluster=True), key_prefix)
    pools = ["default", *(f"pool-{i}" for i in range(40))]
    for pool in pools:
        queue.for_pool(pool).enqueue([(f"run-{pool}", 50)], FakeClock().now())

    # Ask each primary directly which of the test's keys it holds.
    holders: dict[str, set[str]] = {}
    for node in queue.client.get_primaries():
        plain = redis.Redis(node.host, node.port, decode_responses=True)
        for key in plain.scan_iter(match=f"*{key_prefix}*"):
            holders.setdefault(key, set()).add(node.name)
        plain.close()
    assert all(len(nodes) == 1 for nodes in holders.values())
    nodes_of_pool = {}
    for pool in pools:
        k = Keys(key_prefix, pool)
        nodes_of_pool[pool] = set().union(*(holders[key] for key in (k.ready, k.meta, k.seq)))
    # Each pool's queue sits whole on one shard, and the pools use every shard.
    assert all(len(nodes) == 1 for nodes in nodes_of_pool.values())
    assert len(set().union(*nodes_of_pool.values())) == 3
    queue.client.close()


@pytest.fixture
def cluster_with_replicas(tmp_path: Path) -> Iterator[tuple[LocalServices, str]]:
    """Three primaries, each with a replica that takes over one second after it dies."""
    with LocalServices(tmp_path) as services:
        url = services.ensure_redis_cluster(
            "redis://127.0.0.1:1/0", replicas=1, node_timeout_ms=1000
        )
        yield services, url


def test_a_killed_primary_is_replaced_and_nothing_is_lost(
    cluster_with_replicas: tuple[LocalServices, str], clock: FakeClock
) -> None:
    services, url = cluster_with_replicas
    queue = RedisQueue(connect(url, cluster=True), "failover")
    queue.enqueue([("before", 50)], clock.now())
    primary = node_holding(queue.client, queue.keys.ready)
    # The slot's nodes, its primary first.
    _, replica = queue.client.nodes_manager.slots_cache[queue.client.keyslot(queue.keys.ready)]
    # Replication is asynchronous: kill the primary only once its replica has the run.
    on_replica = redis.Redis(replica.host, replica.port, decode_responses=True)
    on_replica.execute_command("READONLY")
    wait_for(lambda: on_replica.hexists(queue.keys.meta, "before"), what="replicated")

    services.cluster_node(int(primary.rsplit(":", 1)[1])).process.kill()

    failures: list[BaseException] = []

    def enqueue_after_failover() -> bool:
        try:
            return queue.enqueue([("after", 50)], clock.now()) == 1
        except DependencyError as exc:  # the API's 503 + Retry-After; anything else fails
            failures.append(exc)
            return False

    wait_for(enqueue_after_failover, timeout=30, interval=0.1, what="the replica promoted")
    assert node_holding(queue.client, queue.keys.ready) == replica.name
    assert sorted(c.execution_id for c in queue.claim(10, clock.now(), VIS)) == [
        "after",
        "before",
    ]
    on_replica.close()
    queue.client.close()


def test_a_primary_restarted_empty_is_rebuilt_from_postgresql(
    tmp_path: Path, store: Store, settings: Settings, registry, clock: FakeClock
) -> None:
    # No replica: the node comes back (same slots, its nodes.conf) with no data, as a
    # shard without persistence does. The tick sees the pool's epoch gone and rebuilds.
    with LocalServices(tmp_path) as services:
        url = services.ensure_redis_cluster("redis://127.0.0.1:1/0", node_timeout_ms=1000)
        queue = RedisQueue(connect(url, cluster=True), "restart")
        cluster_settings = replace(settings, redis_url=url, redis_cluster=True)
        engine = Engine(store, queue, cluster_settings, registry, clock)
        job_id = engine.create_job()
        runs = [e.id for e in trigger(store, job_id, clock.now(), [{}] * 5)]
        assert engine.scheduler.run_once(clock.now()).pushed == 5

        port = int(node_holding(queue.client, queue.keys.ready).rsplit(":", 1)[1])
        node_url = f"redis://127.0.0.1:{port}/0"
        services.restart(f"redis-cluster-{port}", lambda: cluster_ok(node_url), kill=True)

        def tick() -> TickReport | None:
            try:
                return engine.scheduler.run_once(clock.now())
            except DependencyError:  # the cluster may still be agreeing the node is back
                return None

        wait_for(tick, timeout=30, interval=0.1, what="a tick on the cluster")
        report = tick_after_redis_loss(engine.scheduler, clock)  # it found the pool lost
        assert report.rebuilt == 5
        engine.run_until(lambda: all(engine.status(i) == "SUCCEEDED" for i in runs))
        queue.client.close()


def test_a_cluster_nobody_answers_is_a_dependency_error() -> None:
    # Made while the cluster is down (a cold start): no error until used, then a 503.
    queue = RedisQueue(connect(f"redis://127.0.0.1:{free_port()}/0", cluster=True), "nobody")
    with pytest.raises(DependencyError):
        queue.enqueue([("x", 50)], FakeClock().now())


def test_a_script_whose_reply_was_lost_is_not_run_twice(
    redis_cluster_url: str, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timeout after the command was sent says nothing of whether it ran. A claim sent
    again used to lease a second batch (the first one's tokens lost with the reply: its
    runs stuck in flight until their lease ran out); now it gets its first reply. A
    script that cannot tell (an ack) is not sent again; one harmless twice (an enqueue)
    is."""
    queue = RedisQueue(connect(redis_cluster_url, cluster=True), key_prefix)
    now = FakeClock().now()
    queue.enqueue([("a", 50), ("b", 50)], now)
    real = RedisCluster.execute_command
    lost: list[str] = []

    def reply_lost_once(self: RedisCluster, *args: object, **kwargs: object) -> object:
        result = real(self, *args, **kwargs)
        if args[0] == "EVALSHA" and not lost:
            lost.append(str(args[1]))
            raise redis.TimeoutError("Timeout reading from socket")
        return result

    monkeypatch.setattr(RedisCluster, "execute_command", reply_lost_once)
    (claim,) = queue.claim(1, now, VIS)
    assert lost and queue.depth() == {"ready": 1, "in_flight": 1, "delayed": 0}
    assert queue.lease_deadlines([claim.execution_id])[claim.execution_id]

    lost.clear()
    with pytest.raises(DependencyError):
        queue.ack([(claim.execution_id, claim.token)])
    assert queue.depth() == {"ready": 1, "in_flight": 0, "delayed": 0}  # it had run

    lost.clear()
    assert queue.enqueue([("c", 50)], now) == 0  # ran, then again: already there
    assert lost and queue.depth() == {"ready": 2, "in_flight": 0, "delayed": 0}
    queue.client.close()
