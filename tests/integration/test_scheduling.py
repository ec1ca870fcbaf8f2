"""Scheduler tick + worker against real Redis and PostgreSQL, on an injected clock."""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from jobsched import execution_record
from jobsched.domain import due, retry
from jobsched.domain.states import AttemptOutcome
from jobsched.scheduler import Scheduler
from jobsched.tick_plan import schedule_due
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import tick_after_redis_loss, wait_for

pytestmark = pytest.mark.also_cluster  # queue semantics must not change on a cluster


def test_a_cron_job_runs_each_occurrence_once(engine: Engine) -> None:
    job_id = engine.create_job(schedule="*/5 * * * * *", payload={"hello": "world"})
    job = engine.store.jobs.get(job_id)
    engine.clock.set(job.next_run_time)
    engine.scheduler.run_once(engine.clock.now())
    engine.scheduler.run_once(engine.clock.now())  # same instant: nothing new
    page = engine.store.executions.list(job_id=job_id)
    assert page.total == 1
    (execution,) = page.items
    assert execution.status == "QUEUED"
    assert execution.scheduled_for == job.next_run_time
    engine.run_until(lambda: engine.status(execution.id) == "SUCCEEDED")
    done = engine.store.executions.get(execution.id)
    assert done.result == {"hello": "world"}
    assert [a.outcome for a in done.attempts] == ["SUCCEEDED"]
    assert engine.store.jobs.get(job_id).next_run_time == job.next_run_time + timedelta(seconds=5)


@pytest.mark.parametrize(
    "outage",
    [timedelta(seconds=12), timedelta(hours=1, seconds=2)],  # 3 missed; 721 coalesced
    ids=["short", "long"],
)
def test_the_tick_writes_the_plan_of_a_due_job(engine: Engine, outage: timedelta) -> None:
    """Which runs are due is ``due.plan``'s decision (tests/unit/test_due.py); the tick
    writes exactly that: SKIPPED rows finished with their reason, the rest queued."""
    job_id = engine.create_job(schedule="*/5 * * * * *")
    job = engine.store.jobs.get(job_id)
    engine.clock.set(job.next_run_time + outage)
    plan = due.plan(
        schedule=job.schedule,
        timezone=job.timezone,
        next_run_time=job.next_run_time,
        last_run_time=job.last_run_time,
        overlap_policy=job.overlap_policy,
        busy=False,
        now=engine.clock.now(),
    )
    report = engine.scheduler.run_once(engine.clock.now())
    assert report.scheduled == sum(r.skip_reason is None for r in plan.runs)
    written = engine.store.executions.list(job_id=job_id).items
    assert sorted((e.scheduled_for, e.status, e.error) for e in written) == [
        (r.scheduled_for, "SKIPPED" if r.skip_reason else "QUEUED", r.skip_reason)
        for r in plan.runs
    ]
    for e in written:
        assert (e.finished_at is not None) == (e.status == "SKIPPED")
    after = engine.store.jobs.get(job_id)
    assert (after.next_run_time, after.last_run_time) == (plan.next_run_time, plan.last_run_time)


def test_overlap_policy_skip_records_occurrences_due_while_a_run_is_unfinished(
    engine: Engine,
) -> None:
    job_id = engine.create_job(
        schedule="*/5 * * * * *",
        handler="test.delay",
        payload={"durationMs": 60_000},
        overlap_policy="skip",
    )
    first = engine.store.jobs.get(job_id).next_run_time
    engine.clock.set(first)
    worker = engine.worker()
    engine.run_until(lambda: len(worker.running) == 1, worker)  # the first run is running
    engine.clock.advance(seconds=5)
    engine.scheduler.run_once(engine.clock.now())
    second = {e.scheduled_for: e for e in engine.store.executions.list(job_id=job_id).items}
    skipped = second[first + timedelta(seconds=5)]
    assert skipped.status == "SKIPPED"
    assert "previous run was still unfinished" in skipped.error
    # Once the long run is over (cancelled here), the next occurrence runs again.
    (running,) = [e for e in second.values() if e.status == "RUNNING"]
    engine.service.cancel_execution(running.id)
    engine.clock.advance(seconds=5)
    engine.scheduler.run_once(engine.clock.now())
    third = engine.store.executions.list(job_id=job_id, status="QUEUED").items
    assert [e.scheduled_for for e in third] == [first + timedelta(seconds=10)]
    worker.heartbeat(engine.clock.now())
    worker.shutdown(grace_s=0)


def test_overlap_policy_allow_runs_occurrences_side_by_side(engine: Engine) -> None:
    job_id = engine.create_job(
        schedule="*/5 * * * * *", handler="test.delay", payload={"durationMs": 60_000}
    )
    engine.clock.set(engine.store.jobs.get(job_id).next_run_time)
    worker = engine.worker()
    engine.run_until(lambda: len(worker.running) == 1, worker)
    engine.clock.advance(seconds=5)
    engine.run_until(lambda: len(worker.running) == 2, worker)
    worker.shutdown(grace_s=0)


def test_paused_jobs_do_not_run_and_record_what_they_missed(engine: Engine) -> None:
    engine.clock.set(engine.clock.now().replace(second=2))  # occurrences at :05, :10, ...
    job_id = engine.create_job(schedule="*/5 * * * * *", catch_up="none")
    engine.service.pause_job(job_id)
    engine.clock.advance(seconds=60)
    engine.scheduler.run_once(engine.clock.now())
    assert engine.store.executions.list(job_id=job_id).total == 0
    resumed = engine.service.resume_job(job_id)
    assert resumed["status"] == "SCHEDULED"
    engine.clock.advance(seconds=5)
    engine.scheduler.run_once(engine.clock.now())
    runs = engine.store.executions.list(job_id=job_id, limit=50).items
    # The 12 occurrences of the paused minute are recorded SKIPPED, saying why; only
    # the one due since the resume runs (not 12 catch-up runs).
    skipped = [e for e in runs if e.status == "SKIPPED"]
    assert len(skipped) == 12
    assert {e.error for e in skipped} == {"missed while the job was paused: catch_up=none"}
    assert [e.status for e in runs if e.status != "SKIPPED"] == ["QUEUED"]


def test_crash_between_write_and_push_is_repaired_by_the_next_tick(engine: Engine) -> None:
    job_id = engine.create_job(schedule="*/5 * * * * *")
    engine.clock.set(engine.store.jobs.get(job_id).next_run_time)
    # A tick that wrote its rows and died before pushing them:
    (written,) = schedule_due(engine.store, engine.clock.now()).executions
    assert engine.status(written.id) == "PENDING"
    assert engine.queue.depth()["ready"] == 0
    report = engine.scheduler.run_once(engine.clock.now())
    assert report.pushed == 1
    assert engine.status(written.id) == "QUEUED"
    engine.run_until(lambda: engine.status(written.id) == "SUCCEEDED")


def test_failures_retry_with_backoff_then_land_in_the_dead_letter_queue(engine: Engine) -> None:
    """When to retry and when to give up is ``retry.decide``'s (tests/unit/test_retry.py);
    here the store records its decision and the queue carries it out."""
    job_id = engine.create_job(
        handler="test.delay",
        payload={"durationMs": 0, "shouldFail": True, "failMessage": "boom"},
        max_retries=2,
        retry_backoff_ms=1000,
        retry_backoff_max_ms=1500,
    )
    (execution,) = trigger(engine.store, job_id, engine.clock.now())
    worker = engine.worker()
    worker.retry_policy = replace(worker.retry_policy, rng=random.Random(8))
    expected = replace(worker.retry_policy, rng=random.Random(8))
    for retries_used in (1, 2):
        engine.run_until(lambda: engine.status(execution.id) == "RETRYING", worker)
        current = engine.store.executions.get(execution.id)
        decision = retry.decide(
            AttemptOutcome.FAILED,
            retries_used=retries_used,
            max_retries=2,
            retry_backoff_ms=1000,
            retry_backoff_max_ms=1500,
            now=engine.clock.now(),
            policy=expected,
        )
        assert current.next_attempt_at == decision.at
        assert current.finished_at is None
        assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 1}
        # Not due yet: the tick leaves it waiting.
        engine.scheduler.run_once(engine.clock.now())
        assert engine.status(execution.id) == "RETRYING"
        engine.clock.set(decision.at)
    engine.run_until(lambda: engine.status(execution.id) == "FAILED", worker)
    final = engine.store.executions.get(execution.id)
    assert final.attempt == 3
    assert [a.outcome for a in final.attempts] == ["FAILED"] * 3
    assert final.error == "boom"
    (entry,) = engine.store.dead_letter.list().items
    assert (entry.execution_id, entry.error, entry.attempts) == (execution.id, "boom", 3)
    assert entry.reason == "out of retries after 3 attempt(s)"
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}

    # Redrive: back in the queue with a fresh retry budget, DLQ entry gone.
    engine.service.redrive_dead_letter(entry.id)
    assert engine.store.dead_letter.list().total == 0
    engine.run_until(lambda: engine.status(execution.id) == "RETRYING", worker)
    assert engine.store.executions.get(execution.id).attempt == 4


def test_a_timeout_is_a_failed_attempt(engine: Engine) -> None:
    job_id = engine.create_job(
        handler="test.delay", payload={"durationMs": 10_000}, timeout_ms=50, max_retries=0
    )
    (execution,) = trigger(engine.store, job_id, engine.clock.now())
    engine.run_until(lambda: engine.status(execution.id) == "FAILED")
    final = engine.store.executions.get(execution.id)
    assert final.attempts[0].outcome == "TIMED_OUT"
    assert "timed out" in final.error


def test_two_ticks_racing_create_one_execution_per_occurrence(engine: Engine) -> None:
    job_ids = [engine.create_job(schedule="*/5 * * * * *") for _ in range(20)]
    engine.clock.advance(seconds=30)
    # Both believe they lead (a lock that lapsed mid-pass): the unique index decides.
    barrier = threading.Barrier(2)

    def tick() -> None:
        barrier.wait()
        schedule_due(engine.store, engine.clock.now())

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for job_id in job_ids:
        times = [e.scheduled_for for e in engine.store.executions.list(job_id=job_id).items]
        assert len(times) == len(set(times)) >= 6


def test_only_the_leader_ticks_and_a_standby_takes_over_when_it_dies(engine: Engine) -> None:
    settings = engine.settings.__class__(**{**engine.settings.__dict__, "leader_lock_ttl_s": 1.5})
    a = Scheduler(engine.store, engine.queue, settings, engine.clock, "scheduler-a")
    b = Scheduler(engine.store, engine.queue, settings, engine.clock, "scheduler-b")
    job_id = engine.create_job(schedule="*/5 * * * * *")
    engine.clock.set(engine.store.jobs.get(job_id).next_run_time)
    assert a.run_once().leader
    assert not b.run_once().leader
    assert engine.store.executions.list(job_id=job_id).total == 1
    # a dies without resigning; b takes over once the lock lapses (real Redis TTL).
    # (A TTL of 0.3 s lapsed again under load before the next line read the lock.)
    wait_for(lambda: b.run_once().leader, timeout=8, what="standby takeover")
    assert engine.queue.leader()[0].startswith("scheduler-b:")
    engine.clock.advance(seconds=5)
    b.run_once()
    assert engine.store.executions.list(job_id=job_id).total == 2
    assert not a.run_once().leader  # the old leader, back, is now the standby


def test_redis_emptied_mid_run_loses_nothing(engine: Engine) -> None:
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 300})
    executions = trigger(engine.store, job_id, engine.clock.now(), [{}] * 10)
    engine.scheduler.run_once(engine.clock.now())  # pushes the outbox
    worker = engine.worker()
    worker.run_once(engine.clock.now())  # 4 running (capacity), 6 waiting
    assert len(worker.running) == 4
    # Redis loses everything of ours (as after a restart without persistence).
    for key in engine.queue.client.scan_iter(match=f"*{engine.queue.keys.prefix}*"):
        engine.queue.client.delete(key)
    assert engine.queue.needs_rebuild()
    report = tick_after_redis_loss(engine.scheduler, engine.clock)
    assert report.rebuilt == 10  # 6 queued + 4 running restored under their leases
    ids = [e.id for e in executions]
    engine.run_until(lambda: all(engine.status(i) == "SUCCEEDED" for i in ids), worker, timeout=30)
    for i in ids:
        # The running ones kept their lease: no second attempt was needed.
        assert len(engine.store.executions.get(i).attempts) == 1


def test_results_wait_out_a_postgres_outage_without_losing_their_lease(
    engine: Engine, monkeypatch
) -> None:
    from jobsched.errors import DependencyError

    job_id = engine.create_job()
    (execution,) = trigger(engine.store, job_id, engine.clock.now())
    engine.scheduler.run_once(engine.clock.now())
    worker = engine.worker()
    real_record = engine.store.attempts.write_executions

    def down(*args, **kwargs):
        raise DependencyError("PostgreSQL unavailable: injected")

    worker.run_once(engine.clock.now())
    monkeypatch.setattr(
        engine.store.attempts, "write_executions", down
    )  # results cannot be written
    wait_for(lambda: worker.completed, what="the handler to finish")
    assert worker.flush(engine.clock.now()) == 0  # kept in memory, not dropped
    # The outage outlasts the visibility timeout; heartbeats keep the lease alive.
    for _ in range(3):
        engine.clock.advance(seconds=engine.settings.visibility_timeout_ms / 1000 - 1)
        worker.heartbeat(engine.clock.now())
        assert engine.queue.requeue_expired(engine.clock.now()) == []
    monkeypatch.setattr(engine.store.attempts, "write_executions", real_record)
    assert worker.flush(engine.clock.now()) == 1
    final = engine.store.executions.get(execution.id)
    assert final.status == "SUCCEEDED"
    assert len(final.attempts) == 1  # never ran twice
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}


def test_an_execution_that_keeps_killing_its_workers_is_dead_lettered_as_poison(
    store, queue, registry, clock, settings
) -> None:
    from dataclasses import replace

    engine = Engine(store, queue, replace(settings, max_deliveries=2), registry, clock)
    job_id = engine.create_job(max_retries=5)
    (execution,) = trigger(engine.store, job_id, clock.now())
    engine.scheduler.run_once(clock.now())
    for n in range(2):  # two workers claim it and die without a word
        (claim,) = queue.claim(1, clock.now(), settings.visibility_timeout_ms)
        execution_record.start(
            store, [(claim.execution_id, claim.token)], f"doomed-{n}", clock.now()
        )
        clock.advance(seconds=settings.visibility_timeout_ms / 1000 + 1)
        assert engine.scheduler.run_once(clock.now()).expired == [execution.id]
    engine.run_until(lambda: engine.status(execution.id) == "FAILED")
    final = store.executions.get(execution.id)
    assert [a.outcome for a in final.attempts] == ["LOST", "LOST", "FAILED"]
    (entry,) = store.dead_letter.list().items
    assert entry.reason.startswith("poison")


def test_a_lambda_tick_stops_early_enough_to_release_the_lock_however_slow_its_passes(
    engine: Engine, monkeypatch
) -> None:
    """A tick killed at its Lambda timeout never resigns, and its lock would keep every
    other tick off for LEADER_LOCK_TTL; so it stops while its slowest pass still fits."""
    settings = replace(engine.settings, scan_interval_ms=1)
    scheduler = Scheduler(engine.store, engine.queue, settings, engine.clock)
    budget = {"ms": 60_000.0}
    starts: list[float] = []
    real_run_once = scheduler.run_once

    def slow_pass(now=None):
        starts.append(budget["ms"])
        budget["ms"] -= 7_000  # a pass on a loaded machine: 7 s of the Lambda's time
        return real_run_once(engine.clock.now())

    monkeypatch.setattr(scheduler, "run_once", slow_pass)
    scheduler.run_forever(threading.Event(), remaining_ms=lambda: budget["ms"])
    assert starts and budget["ms"] > 0, "a pass ran past the Lambda's timeout"
    assert min(starts) >= 7_000  # no pass started that could not finish
    leader, _ = engine.queue.leader()
    assert leader is None  # resigned: the next invocation leads at once
