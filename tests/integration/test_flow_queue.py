"""Concurrency per key and fair dispatch in the claim (claim.lua, lua/_score.lua): at most
N runs of a key in flight across workers and jobs, the rest waiting in order and handed
the slot the moment one frees; within a priority, runs taken in turns across keys (and
across jobs where no key is set), so a flood of one key delays another by one turn."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from jobsched.clock import FakeClock
from jobsched.domain.models import QueueItem
from jobsched.queue import RedisQueue
from jobsched.queue.keys import DEFAULT_POOL as POOL

pytestmark = pytest.mark.also_cluster  # the key's state lives on its pool's slot

VIS = 10_000
ECHO = "test.echo"


def keyed(
    n: int, key: str, limit: int | None = None, job: str = "j", priority: int = 50, start: int = 0
) -> list[QueueItem]:
    return [
        QueueItem(f"{key}-{job}-{i:05}", priority, POOL, job, None, ECHO, key, limit)
        for i in range(start, start + n)
    ]


def of_job(n: int, job: str, priority: int = 50) -> list[QueueItem]:
    return [QueueItem(f"{job}-{i:05}", priority, POOL, job, None, ECHO) for i in range(n)]


def claim(queue: RedisQueue, clock: FakeClock, n: int, owner: str = "w1"):
    return queue.claim(n, clock.now(), VIS, owner=owner, handlers=(ECHO,))


def ids(claims) -> list[str]:
    return [c.execution_id for c in claims]


def test_at_most_limit_runs_of_a_key_run_at_once_across_workers_and_jobs(
    queue: RedisQueue, clock: FakeClock
) -> None:
    # Two jobs share the key: the limit is the key's, not each job's.
    queue.enqueue(keyed(3, "acme", 2, job="a") + keyed(3, "acme", 2, job="b"), clock.now())
    queue.enqueue(keyed(2, "other", 2), clock.now())
    first = claim(queue, clock, 10, owner="w1") + claim(queue, clock, 10, owner="w2")
    running = [i for i in ids(first) if i.startswith("acme")]
    assert len(running) == 2
    assert sorted(i for i in ids(first) if i.startswith("other")) == [
        "other-j-00000",
        "other-j-00001",
    ]
    waiting = "acme-b-00001" if "acme-b-00001" not in running else "acme-a-00001"
    assert queue.held([waiting]) == {waiting: "its concurrency key acme is at its limit (2)"}
    assert claim(queue, clock, 10, owner="w3") == []
    # A slot freed by an ack is handed on at the next claim, in order.
    done = next(c for c in first if c.execution_id == running[0])
    queue.ack([(done.execution_id, done.token)])
    assert len(ids(claim(queue, clock, 10, owner="w3"))) == 1
    assert claim(queue, clock, 10, owner="w3") == []


def test_the_stricter_of_a_jobs_cap_and_its_keys_limit_holds(
    queue: RedisQueue, clock: FakeClock
) -> None:
    items = [QueueItem(f"r-{i}", 50, POOL, "capped", 1, ECHO, "k", 5) for i in range(3)] + [
        QueueItem(f"s-{i}", 50, POOL, "free", None, ECHO, "k", 5) for i in range(6)
    ]
    queue.enqueue(items, clock.now())
    got = ids(claim(queue, clock, 20))
    assert len(got) == 5  # the key's limit
    assert len([i for i in got if i.startswith("r-")]) == 1  # the job's cap


def test_every_way_out_of_flight_frees_the_keys_slot(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue(keyed(4, "k", 1), clock.now())
    (a,) = claim(queue, clock, 5, owner="dies")
    assert claim(queue, clock, 5, owner="other") == []
    clock.advance(seconds=5)
    # A dead worker's slot returns with its lease.
    assert queue.release_dead(clock.now(), dead_after_ms=1000) == [a.execution_id]
    (b,) = claim(queue, clock, 5, owner="other")
    assert b.execution_id == a.execution_id
    clock.advance(seconds=VIS / 1000 + 1)
    assert queue.requeue_expired(clock.now()) == [b.execution_id]
    (c,) = claim(queue, clock, 5, owner="other")
    queue.retry_later([(c.execution_id, c.token, clock.now() + timedelta(hours=1))])
    (d,) = claim(queue, clock, 5, owner="other")
    queue.release([(d.execution_id, d.token)])
    (e,) = claim(queue, clock, 5, owner="other")
    assert e.execution_id == d.execution_id
    assert queue.cancel([e.execution_id]) == {e.execution_id: 2}  # running: flagged
    queue.ack([(e.execution_id, e.token)])
    assert len(claim(queue, clock, 5, owner="other")) == 1


def test_a_flooding_key_delays_another_key_by_at_most_one_turn(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(keyed(2000, "flood"), clock.now())
    assert len(claim(queue, clock, 10)) == 10
    queue.enqueue(keyed(3, "small"), clock.now())
    got = ids(claim(queue, clock, 6))
    small = [n for n, i in enumerate(got) if i.startswith("small")]
    assert len(small) == 3, got
    # Turn by turn: never two flood runs between the small key's runs.
    assert small[0] <= 1 and all(b - a <= 2 for a, b in pairwise(small)), got
    # And each key's own runs keep their order.
    assert [i for i in got if i.startswith("small")] == [f"small-j-{i:05}" for i in range(3)]
    assert [i for i in got if i.startswith("flood")] == sorted(
        i for i in got if i.startswith("flood")
    )


def test_jobs_without_a_key_take_turns_too(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue(of_job(500, "busy"), clock.now())
    claim(queue, clock, 1)
    queue.enqueue(of_job(1, "quiet"), clock.now())
    assert "quiet-00000" in ids(claim(queue, clock, 2))


def test_priority_keeps_its_meaning_across_keys(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue(keyed(50, "flood", priority=50), clock.now())
    queue.enqueue(keyed(1, "urgent", priority=90) + keyed(1, "low", priority=10), clock.now())
    got = ids(claim(queue, clock, 52))
    assert got[0] == "urgent-j-00000"
    assert got[-1] == "low-j-00000"


def test_a_delayed_run_takes_its_keys_turn_when_due(queue: RedisQueue, clock: FakeClock) -> None:
    queue.enqueue(keyed(500, "flood"), clock.now())
    claim(queue, clock, 1)
    later = keyed(1, "later")
    queue.enqueue_delayed([(later[0], clock.now() + timedelta(seconds=5))], clock.now())
    clock.advance(seconds=6)
    assert "later-j-00000" in ids(claim(queue, clock, 2))


def rated(n: int, key: str, limit: int, period_ms: int, start: int = 0) -> list[QueueItem]:
    return [
        QueueItem(f"{key}-{i:05}", 50, POOL, "j", None, ECHO, None, None, key, limit, period_ms)
        for i in range(start, start + n)
    ]


def test_a_rate_key_starts_at_most_limit_runs_per_period_the_rest_in_turn(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(rated(5, "api", 2, 1000) + keyed(1, "free"), clock.now())
    got = ids(claim(queue, clock, 10, owner="w1")) + ids(claim(queue, clock, 10, owner="w2"))
    assert sorted(got) == ["api-00000", "api-00001", "free-j-00000"]
    assert queue.held(["api-00002"]) == {
        "api-00002": "its rate key api is at its limit (2 per 1000 ms)"
    }
    # Finishing does not free a rate: only its period passing does, in order.
    for c in claim(queue, clock, 10):
        queue.ack([(c.execution_id, c.token)])
    clock.advance(seconds=0.5)
    assert claim(queue, clock, 10) == []
    clock.advance(seconds=0.6)
    assert ids(claim(queue, clock, 10)) == ["api-00002", "api-00003"]
    clock.advance(seconds=1.1)
    assert ids(claim(queue, clock, 10)) == ["api-00004"]


def test_a_reject_mode_window_admits_up_to_its_limit(queue: RedisQueue, clock: FakeClock) -> None:
    assert queue.admit("k", 3, 1000, 2, clock.now()) == 0
    assert queue.admit("k", 3, 1000, 1, clock.now()) == 0
    clock.advance(seconds=0.4)
    assert queue.admit("k", 3, 1000, 1, clock.now()) == 600  # the oldest leaves then
    clock.advance(seconds=0.6)
    assert queue.admit("k", 3, 1000, 2, clock.now()) == 0


def test_the_tick_forgets_keys_the_fair_clock_has_passed(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(keyed(3, "a") + keyed(3, "b") + keyed(50, "busy"), clock.now())
    claim(queue, clock, 8)  # a's and b's turns are behind the clock now, busy's ahead
    assert queue.prune_turns(step=1000) == 2
    assert set(queue.client.hkeys(queue.keys.turns)) == {"50:@busy"}
    queue.enqueue(keyed(1, "a", start=3), clock.now())
    # Still the clock's next turn: behind only busy's run of the current one.
    assert ids(claim(queue, clock, 2)) == ["busy-j-00002", "a-j-00003"]


def test_the_ticks_promotion_gives_a_due_run_its_keys_turn(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(keyed(500, "flood"), clock.now())
    claim(queue, clock, 1)
    later = keyed(1, "later")
    queue.enqueue_delayed([(later[0], clock.now() + timedelta(seconds=5))], clock.now())
    clock.advance(seconds=6)
    assert queue.promote(clock.now()) == ["later-j-00000"]
    assert "later-j-00000" in ids(claim(queue, clock, 2))


def test_a_debounced_run_is_never_claimed_ahead_of_its_time(
    queue: RedisQueue, clock: FakeClock
) -> None:
    due = clock.now() + timedelta(milliseconds=500)
    exact = QueueItem("debounced", 50, POOL, "j", None, ECHO, exact=True)
    plain = QueueItem("plain", 50, POOL, "j", None, ECHO)
    queue.enqueue_delayed([(exact, due), (plain, due)], clock.now())
    early = queue.claim(5, clock.now(), VIS, owner="w", handlers=(ECHO,), ahead_ms=1000, ahead=5)
    assert ids(early) == ["plain"]
    clock.advance(seconds=0.5)
    assert ids(claim(queue, clock, 5)) == ["debounced"]
