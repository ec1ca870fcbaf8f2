"""Workers as real processes: killed with SIGKILL, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobsched.clock import SystemClock
from jobsched.scheduler import Scheduler
from jobsched.settings import Settings
from jobsched.store import Store
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.also_cluster  # queue semantics must not change on a cluster

ROOT = Path(__file__).resolve().parents[2]


class Processes:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.procs: list[subprocess.Popen] = []

    def worker(self, worker_id: str, **env: str) -> subprocess.Popen:
        environ = {
            **os.environ,
            "DATABASE_URL": self.settings.database_url,
            "REDIS_URL": self.settings.redis_url,
            "REDIS_CLUSTER": "true" if self.settings.redis_cluster else "false",
            "REDIS_KEY_PREFIX": self.settings.redis_key_prefix,
            "WORKER_ID": worker_id,
            "MAX_CONCURRENT_JOBS": "1",
            "VISIBILITY_TIMEOUT_MS": "1500",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "jobsched", "worker"],
            env=environ,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)


@pytest.fixture
def procs(settings: Settings) -> Iterator[Processes]:
    p = Processes(settings)
    yield p
    p.stop_all()


def real_time_scheduler(engine: Engine) -> Scheduler:
    settings = Settings(**{**engine.settings.__dict__, "visibility_timeout_ms": 1500})
    return Scheduler(engine.store, engine.queue, settings, SystemClock())


def running_on(store: Store, execution_id: str, worker_id: str) -> bool:
    e = store.executions.get(execution_id)
    return e.status == "RUNNING" and e.worker_id == worker_id


def test_work_of_a_worker_killed_with_sigkill_is_redelivered(
    engine: Engine, procs: Processes
) -> None:
    engine.clock = SystemClock()  # type: ignore[assignment]
    scheduler = real_time_scheduler(engine)
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 2500})
    (execution,) = trigger(engine.store, job_id, SystemClock().now())
    scheduler.run_once()
    victim = procs.worker("victim")
    wait_for(lambda: running_on(engine.store, execution.id, "victim"), what="victim runs it")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=5)
    procs.worker("rescuer")

    def settled() -> bool:
        scheduler.run_once()  # returns the lapsed lease to the queue
        return engine.status(execution.id) == "SUCCEEDED"

    wait_for(settled, timeout=30, interval=0.1, what="rescue")
    final = engine.store.executions.get(execution.id)
    assert [(a.worker_id, a.outcome) for a in final.attempts] == [
        ("victim", "LOST"),
        ("rescuer", "SUCCEEDED"),
    ]
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}


def test_a_sigkilled_workers_runs_finish_elsewhere_with_the_default_visibility_timeout(
    engine: Engine, procs: Processes
) -> None:
    engine.clock = SystemClock()  # type: ignore[assignment]
    defaults = Settings()
    assert defaults.visibility_timeout_ms == 300_000  # the lease itself is left long
    settings = Settings(
        **{**engine.settings.__dict__, "visibility_timeout_ms": defaults.visibility_timeout_ms}
    )
    scheduler = Scheduler(engine.store, engine.queue, settings, SystemClock())
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 3000})
    (execution,) = trigger(engine.store, job_id, SystemClock().now())
    scheduler.run_once()
    default_lease = {"VISIBILITY_TIMEOUT_MS": str(defaults.visibility_timeout_ms)}
    victim = procs.worker("victim", **default_lease)
    wait_for(lambda: running_on(engine.store, execution.id, "victim"), what="victim runs it")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=5)
    procs.worker("rescuer", **default_lease)

    def rescued() -> bool:
        scheduler.run_once()  # releases the dead worker's lease from its missing heartbeats
        return engine.status(execution.id) == "SUCCEEDED"

    # Generous bound, far below the 5-minute visibility timeout.
    wait_for(rescued, timeout=60, interval=0.2, what="the run to finish on the rescuer")
    final = engine.store.executions.get(execution.id)
    assert [(a.worker_id, a.outcome) for a in final.attempts] == [
        ("victim", "LOST"),
        ("rescuer", "SUCCEEDED"),
    ]


def test_sigterm_hands_unfinished_work_back_within_the_grace_period(
    engine: Engine, procs: Processes
) -> None:
    engine.clock = SystemClock()  # type: ignore[assignment]
    scheduler = real_time_scheduler(engine)
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 60_000})
    (execution,) = trigger(engine.store, job_id, SystemClock().now())
    scheduler.run_once()
    worker = procs.worker("leaving", WORKER_GRACE_MS="300")
    wait_for(lambda: running_on(engine.store, execution.id, "leaving"), what="worker runs it")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
    handed = engine.store.executions.get(execution.id)
    assert handed.status == "QUEUED"
    assert handed.attempts[-1].outcome == "HANDED_BACK"
    # Straight back in the ready set, not waiting out a visibility timeout.
    assert engine.queue.ready_ids() == [execution.id]
    assert engine.queue.workers(SystemClock().now(), 15_000, 3_600_000) == []


def test_sigterm_lets_short_work_finish(engine: Engine, procs: Processes) -> None:
    engine.clock = SystemClock()  # type: ignore[assignment]
    scheduler = real_time_scheduler(engine)
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 800})
    (execution,) = trigger(engine.store, job_id, SystemClock().now())
    scheduler.run_once()
    worker = procs.worker("patient", WORKER_GRACE_MS="20000")
    wait_for(lambda: running_on(engine.store, execution.id, "patient"), what="worker runs it")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
    assert engine.status(execution.id) == "SUCCEEDED"


def test_a_handler_module_that_fails_to_import_stops_the_worker_at_start(
    procs: Processes,
) -> None:
    worker = procs.worker("broken", HANDLER_MODULES="tests.plugins.sample,tests.plugins.broken")
    assert worker.wait(timeout=30) == 2
    stderr = worker.stderr.read().decode()
    assert (
        "HANDLER_MODULES: cannot import handler module 'tests.plugins.broken': "
        "ModuleNotFoundError: No module named 'a_module_that_does_not_exist'"
    ) in stderr
    assert "Traceback" not in stderr  # a message for a person, not a crash
