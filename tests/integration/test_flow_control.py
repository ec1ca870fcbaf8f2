"""Flow control end to end, with workers as real processes: a key's limit holds while a
SIGKILLed worker held its slot (which returns with its lease) and across a Redis wipe
(rebuilt from PostgreSQL: the running run holds its key's slot again). Overlap is
checked from the recorded start and finish times, never from wall-clock waits."""

from __future__ import annotations

import signal
from datetime import datetime
from itertools import pairwise

import pytest

from jobsched.clock import SystemClock
from jobsched.domain.models import Execution
from jobsched.scheduler import Scheduler
from jobsched.settings import Settings
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for
from tests.integration.test_worker_process import (  # noqa: F401 (the fixture)
    Processes,
    procs,
    real_time_scheduler,
    running_on,
)

pytestmark = pytest.mark.also_cluster  # the key's state lives on its pool's slot

KEY = {"key": "acme", "limit": 1}


def spans(e: Execution) -> list[tuple[datetime, datetime | None]]:
    return [(a.started_at, a.finished_at) for a in e.attempts]


def wipe(engine: Engine) -> None:
    """What Redis losing its data looks like: every key of this test's prefix gone."""
    client = engine.queue.client
    for key in client.scan_iter(match=f"*{engine.queue.keys.prefix}*", count=1000):
        client.delete(key)


def test_a_sigkilled_workers_slot_of_a_key_returns_with_its_lease(
    engine: Engine,
    procs: Processes,  # noqa: F811
) -> None:
    engine.clock = SystemClock()  # type: ignore[assignment]
    scheduler = real_time_scheduler(engine)
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 100}, concurrency=KEY)
    # The victim's run is long enough to outlast the other worker's start on a busy machine.
    (held,) = trigger(
        engine.store, job_id, SystemClock().now(), runs=[{"payload": {"durationMs": 8000}}]
    )
    scheduler.run_once()
    victim = procs.worker("victim")
    wait_for(lambda: running_on(engine.store, held.id, "victim"), what="the victim runs it")
    procs.worker("other", MAX_CONCURRENT_JOBS="2")
    wait_for(
        lambda: (
            "other" in {w["id"] for w in engine.queue.workers(SystemClock().now(), 15_000, 60_000)}
        ),
        what="the other worker is up",
    )
    (waiting,) = trigger(engine.store, job_id, SystemClock().now())
    scheduler.run_once()
    # The other worker is alive and claiming, and still the key's second run waits.
    wait_for(
        lambda: (
            engine.queue.held([waiting.id]).get(waiting.id)
            == "its concurrency key acme is at its limit (1)"
        ),
        what="the waiting run held by the key",
    )
    assert engine.status(waiting.id) == "QUEUED"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=5)
    killed_at = SystemClock().now()

    def settled() -> bool:
        scheduler.run_once()  # releases the dead worker's lease, and with it the slot
        return {engine.status(held.id), engine.status(waiting.id)} == {"SUCCEEDED"}

    wait_for(settled, timeout=90, interval=0.2, what="both runs to finish")
    lost = engine.store.executions.get(held.id)
    other = engine.store.executions.get(waiting.id)
    assert [a.outcome for a in lost.attempts] == ["LOST", "SUCCEEDED"]
    # The waiting run started only once the dead worker's slot came back, and the two
    # never ran at once afterwards.
    ((start, end),) = spans(other)
    assert start > killed_at
    redo_start, redo_end = spans(lost)[1]
    assert end <= redo_start or redo_end <= start


def test_a_redis_wipe_rebuilds_the_keys_slots_from_postgresql(
    engine: Engine,
    procs: Processes,  # noqa: F811
) -> None:
    engine.clock = SystemClock()  # type: ignore[assignment]
    # Leases long enough that none lapses on a busy machine while the queue is rebuilt
    # (a lapsed lease frees its slot, as it should; that is the SIGKILL test's subject).
    settings = Settings(**{**engine.settings.__dict__, "visibility_timeout_ms": 10_000})
    scheduler = Scheduler(engine.store, engine.queue, settings, SystemClock())
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 3000}, concurrency=KEY)
    runs = trigger(engine.store, job_id, SystemClock().now(), runs=[{}, {}, {}])
    scheduler.run_once()
    procs.worker("w1", MAX_CONCURRENT_JOBS="3", VISIBILITY_TIMEOUT_MS="10000")
    wait_for(lambda: any(engine.status(r.id) == "RUNNING" for r in runs), what="one run starts")
    wipe(engine)
    scheduler.run_once()  # finds the queue lost and rebuilds it from PostgreSQL

    def settled() -> bool:
        scheduler.run_once()
        return {engine.status(r.id) for r in runs} == {"SUCCEEDED"}

    wait_for(settled, timeout=60, interval=0.2, what="every run to finish")
    starts = sorted(
        (a.started_at, a.finished_at)
        for r in runs
        for a in engine.store.executions.get(r.id).attempts
        if a.outcome == "SUCCEEDED"
    )
    assert len(starts) == 3
    for (_, end), (start, _) in pairwise(starts):
        assert end <= start, starts  # one at a time, before and after the wipe
