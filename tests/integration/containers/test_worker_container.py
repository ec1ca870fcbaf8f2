"""The worker image run as Fargate runs it: what the task does to a container, the tests do.

Each container is started from ``make image``'s image with the template's task settings
(infra/worker/containers.py: init as PID 1, read-only root with a scratch /tmp, the task's
memory, only the task's variables, host networking to this run's Redis and PostgreSQL).
"""

from __future__ import annotations

import pytest

from infra.aws.worker_task import WorkerTask
from infra.worker.image import Built, build_layered
from infra.worker.podman import REPO_ROOT
from infra.worker.podman import Engine as ContainerEngine
from jobsched.clock import SystemClock
from jobsched.loader import load_module
from jobsched.scheduler import Scheduler
from jobsched.store import Store
from jobsched.trigger import trigger
from tests.integration.containers.conftest import Workers
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.containers

EXAMPLE = REPO_ROOT / "examples" / "report-handlers"


def run_now(engine: Engine, **job: object) -> str:
    """A job triggered now and pushed to the queue (one tick pass); its one run's id."""
    job_id = engine.create_job(**job)
    (execution,) = trigger(engine.store, job_id, SystemClock().now())
    real_time(engine).run_once()
    return execution.id


def running_on(store: Store, execution_id: str, worker_id: str) -> bool:
    e = store.executions.get(execution_id)
    return e.status == "RUNNING" and e.worker_id == worker_id


def real_time(engine: Engine) -> Scheduler:
    """The test's one tick on the real clock (a second one would wait out the first's
    leader lock before pushing anything)."""
    if not hasattr(engine, "real_time_scheduler"):
        engine.real_time_scheduler = Scheduler(  # type: ignore[attr-defined]
            engine.store, engine.queue, engine.settings, SystemClock()
        )
    return engine.real_time_scheduler  # type: ignore[attr-defined]


def test_the_built_image_is_the_dockerfiles(
    containers: ContainerEngine, worker_image: Built
) -> None:
    config = containers.image_config(worker_image.image)
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["jobsched"]
    assert config["Cmd"] == ["worker"]
    assert config["StopSignal"] == "SIGTERM"
    assert config["WorkingDir"] == "/tmp"


def test_handlers_run_as_the_non_root_user_on_a_read_only_root_with_the_tasks_memory(
    engine: Engine, workers: Workers, task: WorkerTask
) -> None:
    execution_id = run_now(engine, handler="probe.whoami")
    workers.start("probe")
    done = wait_for(
        lambda: engine.store.executions.get(execution_id).status == "SUCCEEDED",
        timeout=60,
        what="the run to succeed in the container",
    )
    assert done
    result = engine.store.executions.get(execution_id)
    assert result.worker_id == "probe"
    assert result.result["uid"] == 10001 and result.result["gid"] == 10001
    writable = result.result["writable"]
    assert writable == {"/": False, "/opt/venv": False, "/etc": False, "/tmp": True}
    # PID 1 is an init (podman's catatonit; ECS's InitProcessEnabled), not the worker: it
    # forwards SIGTERM and reaps the children shell.command starts.
    assert result.result["pid"] != 1
    assert result.result["pid1"] in ("podman-init", "catatonit")
    assert result.result["memory_limit"] == task.memory_mb * 1024 * 1024  # WorkerMemory


def test_sigterm_to_pid_1_hands_the_running_run_back_within_the_stop_timeout(
    engine: Engine, workers: Workers, task: WorkerTask
) -> None:
    execution_id = run_now(engine, handler="test.delay", payload={"durationMs": 120_000})
    worker = workers.start("leaving", WORKER_GRACE_MS="500")
    wait_for(lambda: running_on(engine.store, execution_id, "leaving"), timeout=60, what="it runs")
    # podman stop: SIGTERM to PID 1, SIGKILL only after the task's StopTimeout.
    assert worker.stop(task.stop_timeout_s) == 0  # exited by itself, not killed
    handed = engine.store.executions.get(execution_id)
    assert handed.status == "QUEUED"
    assert [(a.worker_id, a.outcome) for a in handed.attempts] == [("leaving", "HANDED_BACK")]
    assert engine.queue.ready_ids() == [execution_id]  # at once, not after a lease lapses


def test_sigkill_releases_the_runs_within_the_dead_worker_bound_and_they_finish_elsewhere(
    engine: Engine, workers: Workers
) -> None:
    # The run's lease is the template's 5 minutes: only the dead-worker rule (missed
    # heartbeats, WORKER_DEAD_AFTER_MS) can free it within this test's wait.
    assert engine.settings.visibility_timeout_ms >= 30_000
    scheduler = real_time(engine)
    execution_id = run_now(engine, handler="test.delay", payload={"durationMs": 3000})
    victim = workers.start("victim", VISIBILITY_TIMEOUT_MS="300000")
    wait_for(lambda: running_on(engine.store, execution_id, "victim"), timeout=60, what="it runs")
    victim.kill("KILL")
    assert victim.wait_exit() == 137
    workers.start("rescuer", VISIBILITY_TIMEOUT_MS="300000")

    def finished() -> bool:
        scheduler.run_once()  # the leader's pass releases a dead worker's leases
        return engine.store.executions.get(execution_id).status == "SUCCEEDED"

    wait_for(finished, timeout=90, interval=0.2, what="the run to finish on the rescuer")
    final = engine.store.executions.get(execution_id)
    assert [(a.worker_id, a.outcome) for a in final.attempts] == [
        ("victim", "LOST"),
        ("rescuer", "SUCCEEDED"),
    ]


def test_a_handler_over_the_memory_limit_kills_only_its_container_and_runs_again_elsewhere(
    engine: Engine, workers: Workers, containers: ContainerEngine
) -> None:
    scheduler = real_time(engine)
    bystander = workers.start("bystander")  # the default pool, its own limit
    execution_id = run_now(engine, handler="probe.hog", payload={"mb": 400})
    victim = workers.start("small", WORKER_POOLS="hogs", memory_mb=192)
    # The memory cgroup's OOM killer kills the worker (the largest process), PID 1 (the
    # init) then exits 128 + SIGKILL. podman's OOMKilled flag stays false: it reports only
    # PID 1 being chosen. ECS reports the same exit as OutOfMemoryError.
    assert victim.wait_exit(timeout_s=90) == 137
    assert bystander.running()
    echo = run_now(engine, handler="test.echo", payload={"still": "here"})
    wait_for(
        lambda: engine.store.executions.get(echo).status == "SUCCEEDED",
        timeout=60,
        what="the bystander to keep working",
    )
    workers.start("large", WORKER_POOLS="hogs")  # the template's memory (1024 MiB)

    def finished() -> bool:
        scheduler.run_once()
        return engine.store.executions.get(execution_id).status == "SUCCEEDED"

    wait_for(finished, timeout=90, interval=0.2, what="the run to finish on a larger worker")
    final = engine.store.executions.get(execution_id)
    assert final.result == {"mb": 400}
    assert [(a.worker_id, a.outcome) for a in final.attempts][-1] == ("large", "SUCCEEDED")
    assert ("small", "LOST") in [(a.worker_id, a.outcome) for a in final.attempts]


def test_a_handler_package_layered_on_the_image_is_loaded_by_its_entry_point(
    engine: Engine,
    workers: Workers,
    containers: ContainerEngine,
    worker_image: Built,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layered = "localhost/jobsched-example-reports:test"
    build_layered(containers, EXAMPLE, tag=layered, worker_image=worker_image.image)
    assert containers.image_config(layered)["User"] == "10001:10001"  # back to the worker's
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))  # the API side knows its schema
    load_module(engine.registry, "jobsched_example_reports.handlers", "test")
    execution_id = run_now(engine, handler="example.greet", payload={"name": "Fargate"})
    # No HANDLER_MODULES: the package's entry point is what loads it.
    workers.start("reports", image=layered, HANDLER_MODULES="")
    wait_for(
        lambda: engine.store.executions.get(execution_id).status == "SUCCEEDED",
        timeout=60,
        what="the layered handler to run",
    )
    assert engine.store.executions.get(execution_id).result == {"greeting": "Hello, Fargate."}
