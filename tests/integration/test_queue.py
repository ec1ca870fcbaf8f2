"""The Redis queue against a real Redis: order, leases, stale holders, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobsched.clock import FakeClock
from jobsched.queue import RedisQueue

pytestmark = pytest.mark.also_cluster  # queue semantics must not change on a cluster

VIS = 10_000


def claim_all(queue: RedisQueue, clock: FakeClock, n: int = 100) -> list[str]:
    return [c.execution_id for c in queue.claim(n, clock.now(), VIS)]


def test_higher_priority_is_claimed_first(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue([("low", 0), ("mid", 50), ("top", 100), ("high", 90)], clock.now())
    assert claim_all(queue, clock) == ["top", "high", "mid", "low"]


def test_fifo_within_one_priority(queue: RedisQueue, clock: FakeClock) -> None:
    ids = [f"e{i:03}" for i in range(50)]
    for eid in ids:  # one call each: order comes from arrival, not from the batch
        queue.enqueue([(eid, 50)], clock.now())
    assert claim_all(queue, clock) == ids


def test_low_priority_runs_once_higher_ones_are_empty(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue([("low", 1)], clock.now())
    queue.enqueue([("high", 99)], clock.now())
    assert claim_all(queue, clock, 1) == ["high"]
    assert claim_all(queue, clock, 1) == ["low"]


def test_claims_respect_the_count_and_are_exclusive(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue([(f"e{i}", 50) for i in range(10)], clock.now())
    first = claim_all(queue, clock, 4)
    second = claim_all(queue, clock, 100)
    assert len(first) == 4
    assert len(second) == 6
    assert not set(first) & set(second)
    assert queue.depth() == {"ready": 0, "in_flight": 10, "delayed": 0}


def test_enqueue_is_idempotent(queue: RedisQueue, clock: FakeClock) -> None:
    assert queue.enqueue([("a", 50), ("b", 50)], clock.now()) == 2
    assert queue.enqueue([("a", 50), ("b", 50), ("c", 50)], clock.now()) == 1
    claim_all(queue, clock, 1)
    assert queue.enqueue([("a", 50)], clock.now()) == 0  # in flight: still known
    assert queue.depth()["ready"] == 2


def test_batches_larger_than_one_lua_call_keep_order_leases_and_acks(
    queue: RedisQueue, clock: FakeClock
) -> None:
    # The scripts touch many members per command, in chunks of 4,000 (lua/_batch.lua):
    # a batch past one chunk must lose, duplicate or reorder nothing.
    n = 4_500
    ids = [f"e{i:05}" for i in range(n)]
    assert queue.enqueue([(i, 50) for i in ids], clock.now()) == n
    assert queue.enqueue([(i, 50) for i in ids], clock.now()) == 0
    claims = queue.claim(n, clock.now(), VIS)
    assert [c.execution_id for c in claims] == ids
    assert len({c.token for c in claims}) == n
    assert {c.deliveries for c in claims} == {1}
    stale = [(c.execution_id, "not-the-token") for c in claims[:10]]
    acked = queue.ack(stale + [(c.execution_id, c.token) for c in claims])
    assert all(acked.values()) and len(acked) == n
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}
    assert queue.enqueue([(ids[0], 50)], clock.now()) == 1  # forgotten: new again


def test_expired_lease_is_redelivered_and_the_old_holder_is_stale(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue([("job", 50)], clock.now())
    (old,) = queue.claim(1, clock.now(), VIS)
    clock.advance(seconds=5)
    assert queue.requeue_expired(clock.now()) == []  # not yet
    assert queue.extend([("job", old.token)], clock.now(), VIS) == {"job": 1}
    clock.advance(seconds=11)
    assert queue.requeue_expired(clock.now()) == ["job"]
    (new,) = queue.claim(1, clock.now(), VIS)
    assert new.deliveries == 2
    assert new.token != old.token
    # The first worker wakes up late: none of its moves count.
    assert queue.extend([("job", old.token)], clock.now(), VIS) == {"job": 0}
    assert queue.ack([("job", old.token)]) == {"job": False}
    assert queue.retry_later([("job", old.token, clock.now())]) == {"job": False}
    assert queue.depth()["in_flight"] == 1
    assert queue.ack([("job", new.token)]) == {"job": True}
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}


def test_a_run_due_now_is_ready_at_once_and_one_due_later_waits(
    queue: RedisQueue, clock: FakeClock
) -> None:
    """A trigger's run is due at its own ``now``, which has microseconds: it is ready
    at once, not parked in the delayed set for the claim to move (rounded up to the
    next millisecond, it would be "later"). A run due within the next millisecond waits."""
    now = clock.now() + timedelta(microseconds=400)
    soon = now + timedelta(microseconds=300)
    queue.enqueue_delayed([(("now", 50), now), (("soon", 50), soon)], now)
    assert queue.ready_ids() == ["now"]
    assert queue.depth()["delayed"] == 1


def test_retry_waits_in_the_delayed_set_until_due(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue([("job", 70)], clock.now())
    (claim,) = queue.claim(1, clock.now(), VIS)
    due = clock.now() + timedelta(seconds=4)
    assert queue.retry_later([("job", claim.token, due)]) == {"job": True}
    assert queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 1}
    assert queue.promote(clock.advance(seconds=3)) == []
    assert queue.promote(clock.advance(seconds=1)) == ["job"]
    queue.enqueue([("other", 10)], clock.now())
    assert claim_all(queue, clock) == ["job", "other"]  # keeps its priority


def test_cancel_removes_waiting_and_flags_running(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue([("waiting", 50), ("running", 60)], clock.now())
    (run,) = queue.claim(1, clock.now(), VIS)
    assert run.execution_id == "running"
    assert queue.cancel(["waiting", "running", "unknown"]) == {
        "waiting": 1,
        "running": 2,
        "unknown": 0,
    }
    assert queue.extend([("running", run.token)], clock.now(), VIS) == {"running": 2}
    assert queue.depth()["ready"] == 0


def test_release_puts_work_back_at_the_front(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue([("a", 50), ("b", 50)], clock.now())
    (a,) = queue.claim(1, clock.now(), VIS)
    assert queue.release([("a", a.token)]) == {"a": True}
    assert claim_all(queue, clock) == ["a", "b"]


def test_leader_lock_is_exclusive_and_released_only_by_its_owner(queue: RedisQueue) -> None:
    assert queue.acquire_leader("one", 5000)
    assert not queue.acquire_leader("two", 5000)
    assert queue.acquire_leader("one", 5000)  # renewal
    assert not queue.release_leader("two")
    assert queue.leader()[0] == "one"
    assert queue.release_leader("one")
    assert queue.acquire_leader("two", 5000)


def test_a_pool_that_lost_its_queue_is_seen_by_the_default_pools_check(
    queue: RedisQueue, clock: FakeClock
) -> None:
    # On a Redis Cluster each pool lives on its own shard, and one shard can come back
    # empty (a primary restarted with no replica) while the default pool's keeps its data.
    reports = queue.for_pool("reports")
    queue.add_pools(["reports"])
    queue.mark_rebuilt(clock.now())
    assert queue.needs_rebuild()  # the reports pool was never rebuilt
    reports.mark_rebuilt(clock.now())
    assert not queue.needs_rebuild()
    reports.client.delete(reports.keys.epoch)  # its shard restarted empty
    assert queue.needs_rebuild()


def test_only_the_leases_of_a_worker_whose_heartbeats_stopped_are_released(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.mark_rebuilt(clock.now())  # as the tick's first pass does
    queue.enqueue([("a1", 50), ("a2", 50), ("b1", 50)], clock.now())
    a = queue.claim(2, clock.now(), VIS, owner="worker-a:1")
    (b,) = queue.claim(1, clock.now(), VIS, owner="worker-b:1")
    clock.advance(seconds=6)
    # b heartbeats; a has gone silent.
    assert queue.extend([(b.execution_id, b.token)], clock.now(), VIS, owner="worker-b:1") == {
        "b1": 1
    }
    assert queue.release_dead(clock.now(), dead_after_ms=10_000) == []
    clock.advance(seconds=5)
    assert sorted(queue.release_dead(clock.now(), dead_after_ms=10_000)) == ["a1", "a2"]
    assert sorted(queue.ready_ids()) == ["a1", "a2"]
    # a's tokens are revoked: if it was only frozen, its next heartbeat says so.
    leases = [(c.execution_id, c.token) for c in a]
    assert queue.extend(leases, clock.now(), VIS, owner="worker-a:1") == {"a1": 0, "a2": 0}
    assert queue.release_dead(clock.now(), dead_after_ms=10_000) == []
    assert queue.depth() == {"ready": 2, "in_flight": 1, "delayed": 0}


def _stream_of_high_ones(queue: RedisQueue, aging_step: int, arrivals: int) -> list[str]:
    """A priority-0 run, then priority-100 runs arriving one at a time, one claimed per
    arrival (the workers only just keep up): the ids claimed, in order."""
    now = FakeClock().now()
    queue.enqueue([("low", 0)], now)
    claimed: list[str] = []
    for n in range(arrivals):
        queue.enqueue([(f"high-{n}", 100)], now)
        if aging_step:
            queue.age(aging_step)  # what each tick pass does with PRIORITY_AGING_STEP
        claimed += [c.execution_id for c in queue.claim(1, now, 60_000)]
    return claimed


def test_priority_aging_lets_a_low_priority_run_through_a_stream_of_high_ones(
    queue: RedisQueue,
) -> None:
    # One level per run queued after it: once 100 are queued after it (99 of them claimed
    # already) it is at priority 100, and older than every one of them.
    claimed = _stream_of_high_ones(queue, aging_step=1, arrivals=150)
    assert claimed.index("low") == 99


def test_without_aging_priority_is_strict(queue: RedisQueue) -> None:
    assert "low" not in _stream_of_high_ones(queue, aging_step=0, arrivals=150)
