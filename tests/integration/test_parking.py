"""Runs that cannot start now never hide runs that can (claim.lua's parking).

A claim used to look at a bounded window at the front of ready; runs it had to pass
over (a job at its max_concurrency, a handler no live worker serves) filled the window
and the pool claimed nothing although other runs waited behind them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobsched.clock import FakeClock
from jobsched.domain.models import QueueItem
from jobsched.queue import RedisQueue
from jobsched.queue.keys import DEFAULT_POOL as POOL

pytestmark = pytest.mark.also_cluster  # queue semantics must not change on a cluster

VIS = 10_000
ECHO = ("test.echo",)


def capped(n: int, job: str = "capped", cap: int = 1, priority: int = 100) -> list[QueueItem]:
    return [QueueItem(f"{job}-{i:03}", priority, POOL, job, cap, ECHO[0]) for i in range(n)]


def of_handler(n: int, handler: str, priority: int = 100) -> list[QueueItem]:
    return [QueueItem(f"{handler}-{i:03}", priority, POOL, "h", None, handler) for i in range(n)]


def plain(n: int, priority: int = 50) -> list[QueueItem]:
    return [QueueItem(f"plain-{i:03}", priority, POOL, "p", None, ECHO[0]) for i in range(n)]


def claim(queue: RedisQueue, clock: FakeClock, n: int, handlers=ECHO, owner: str = "w1"):
    return queue.claim(n, clock.now(), VIS, owner=owner, handlers=handlers)


def ids(claims) -> list[str]:
    return [c.execution_id for c in claims]


def test_runs_of_a_capped_job_and_of_an_unserved_handler_do_not_hide_others(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(capped(500) + of_handler(500, "nobody.serves") + plain(50), clock.now())
    got = ids(claim(queue, clock, 20))
    assert got[0] == "capped-000"
    assert got[1:] == [f"plain-{i:03}" for i in range(19)]  # FIFO within their priority
    assert queue.depth()["ready"] == 1050 - 20  # parked runs still count as waiting
    rest = ids(claim(queue, clock, 100))
    assert rest == [f"plain-{i:03}" for i in range(19, 50)]


def test_a_capped_jobs_parked_runs_come_back_in_order_as_its_runs_finish(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(capped(5, cap=2) + plain(3), clock.now())
    first = claim(queue, clock, 10)
    assert ids(first) == ["capped-000", "capped-001", "plain-000", "plain-001", "plain-002"]
    assert queue.held(["capped-002"]) == {
        "capped-002": "its job is at its max_concurrency (2)"
    }  # GET /executions still says why it waits
    assert claim(queue, clock, 10) == []
    queue.ack([(first[0].execution_id, first[0].token)])
    second = claim(queue, clock, 10)
    assert ids(second) == ["capped-002"]
    # Every way out of flight frees the slot: a retry's backoff, a release.
    queue.retry_later([(first[1].execution_id, first[1].token, clock.now() + timedelta(hours=1))])
    assert ids(claim(queue, clock, 10)) == ["capped-003"]
    queue.release([(second[0].execution_id, second[0].token)])
    assert ids(claim(queue, clock, 10)) == ["capped-002"]  # released runs go first


def test_an_expired_or_dead_workers_lease_frees_its_jobs_slot(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(capped(3), clock.now())
    assert ids(claim(queue, clock, 5, owner="dies")) == ["capped-000"]
    assert claim(queue, clock, 5, owner="other") == []
    clock.advance(seconds=VIS / 1000 + 1)
    assert queue.requeue_expired(clock.now()) == ["capped-000"]
    assert ids(claim(queue, clock, 5, owner="dies")) == ["capped-000"]
    clock.advance(seconds=5)
    assert queue.release_dead(clock.now(), dead_after_ms=1000) == ["capped-000"]
    assert ids(claim(queue, clock, 5, owner="other")) == ["capped-000"]


def test_an_unserved_handlers_runs_come_back_when_a_worker_serving_it_claims(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(of_handler(300, "reports.daily") + plain(5), clock.now())
    assert ids(claim(queue, clock, 10)) == [f"plain-{i:03}" for i in range(5)]
    assert queue.held(["reports.daily-000"]) == {
        "reports.daily-000": "no live worker of its pool serves reports.daily"
    }
    got = ids(claim(queue, clock, 300, handlers=("reports.daily",), owner="w2"))
    assert got == [f"reports.daily-{i:03}" for i in range(300)]


def test_a_handler_another_live_worker_serves_is_left_in_place_for_it(
    queue: RedisQueue, clock: FakeClock
) -> None:
    assert claim(queue, clock, 1, handlers=("reports.daily",), owner="w2") == []
    queue.enqueue(of_handler(3, "reports.daily") + plain(2), clock.now())
    assert ids(claim(queue, clock, 10)) == ["plain-000", "plain-001"]
    assert queue.held(["reports.daily-000"]) == {
        "reports.daily-000": "a worker that does not serve reports.daily passed it over"
    }
    assert queue.ready_ids() == [f"reports.daily-{i:03}" for i in range(3)]  # not parked


def test_parked_runs_are_cancelled_known_and_never_pushed_twice(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(capped(3) + of_handler(2, "nobody.serves"), clock.now())
    (running,) = claim(queue, clock, 10)
    assert queue.unknown(["capped-001", "nobody.serves-000", "gone"]) == ["gone"]
    # The tick's reconcile and restore push what PostgreSQL has QUEUED: a no-op here.
    assert queue.enqueue(capped(3) + of_handler(2, "nobody.serves"), clock.now()) == 0
    assert queue.requeue(capped(3)[1:2]) == 0
    assert queue.cancel(["capped-001", "nobody.serves-000"]) == {
        "capped-001": 1,
        "nobody.serves-000": 1,
    }
    assert queue.depth() == {"ready": 2, "in_flight": 1, "delayed": 0}
    queue.ack([(running.execution_id, running.token)])
    assert ids(claim(queue, clock, 10)) == ["capped-002"]
    assert ids(claim(queue, clock, 10, handlers=("nobody.serves",))) == ["nobody.serves-001"]
    assert queue.depth() == {"ready": 0, "in_flight": 2, "delayed": 0}


def test_a_raised_or_lifted_cap_releases_the_jobs_parked_runs(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(capped(6), clock.now())
    assert ids(claim(queue, clock, 10)) == ["capped-000"]
    assert claim(queue, clock, 10) == []
    assert queue.unpark_job("capped", 3) == 5
    assert ids(claim(queue, clock, 10)) == ["capped-001", "capped-002"]
    assert queue.unpark_job("capped", None) == 3
    assert ids(claim(queue, clock, 10)) == ["capped-003", "capped-004", "capped-005"]


def test_a_claim_stays_cheap_however_many_runs_are_parked(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(capped(3000), clock.now())
    claim(queue, clock, 5)  # parks a bounded number per call, the next goes on
    claim(queue, clock, 5)
    queue.enqueue(plain(1), clock.now())
    assert ids(claim(queue, clock, 5)) == ["plain-000"]
    assert queue.depth()["ready"] == 3000 - 1


def test_the_reconciles_recheck_releases_runs_whose_release_was_missed(
    queue: RedisQueue, clock: FakeClock
) -> None:
    queue.enqueue(capped(3), clock.now())
    (running,) = claim(queue, clock, 5)
    # A worker of the previous version acks without naming the job in the freed set.
    queue.client.zrem(queue.keys.inflight, running.execution_id)
    queue.client.hdel(queue.keys.leases, running.execution_id)
    assert claim(queue, clock, 5) == []
    queue.recheck_parked()
    assert ids(claim(queue, clock, 5)) == ["capped-001"]
    queue.recheck_parked()  # nothing more has room
    assert claim(queue, clock, 5) == []
