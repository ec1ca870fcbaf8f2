"""WORKER_RUNTIME=container: the local stack's worker pool with containers for workers.

The pool is the one ``make up`` builds (``LocalStack._worker_pool``): ``WorkerPool`` over
``ContainerWorkers``' commands, with the stack's whole environment exported; its ``stop``
is what Ctrl-C does.
"""

from __future__ import annotations

import json
import os
import secrets

import pytest

from infra.aws.worker_task import WorkerTask
from infra.local.worker_containers import KILL_MARGIN_S, ContainerWorkers
from infra.local.workers import WorkerPool
from infra.worker.image import Built
from infra.worker.podman import Engine as ContainerEngine
from jobsched.clock import SystemClock
from jobsched.scheduler import Scheduler
from jobsched.settings import Settings
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.containers


def container_env(containers: ContainerEngine, name: str) -> dict[str, str]:
    out = containers.podman("inspect", "--format", "{{json .Config.Env}}", name).stdout
    return dict(entry.split("=", 1) for entry in json.loads(out))


def test_ctrl_c_hands_back_the_container_workers_runs_and_removes_them(
    engine: Engine,
    containers: ContainerEngine,
    worker_image: Built,
    task: WorkerTask,
    settings: Settings,
) -> None:
    launcher = ContainerWorkers(
        containers, task, worker_image.image, f"jstest-{secrets.token_hex(3)}"
    )
    # What the stack exports (settings_environment): more than a worker task gets.
    stack_env = {
        **os.environ,
        **launcher.environment(),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "RECORD_RUNNING_AFTER_MS": "0",
        "WORKER_GRACE_MS": "500",
        "API_KEYS": "a-key-the-workers-never-see",
        "PORT": "3999",
    }
    pool = WorkerPool(
        {"default": 1},
        grace_ms=500,
        env=stack_env,
        command_for=launcher.command,
        cleanup=launcher.remove,
        kill_margin_s=KILL_MARGIN_S,
        restart=False,
    )
    job_id = engine.create_job(handler="test.delay", payload={"durationMs": 120_000})
    (execution,) = trigger(engine.store, job_id, SystemClock().now())
    Scheduler(engine.store, engine.queue, engine.settings, SystemClock()).run_once()
    pool.start()
    try:
        wait_for(
            lambda: engine.store.executions.get(execution.id).worker_id == "worker-1",
            timeout=90,
            what="the container worker to run it",
        )
        env = container_env(containers, launcher.name("worker-1"))
    finally:
        pool.stop()
    # Only the task's variables, the pool's id for this worker.
    assert env["WORKER_ID"] == "worker-1" and env["WORKER_POOLS"] == "default"
    assert env["REDIS_KEY_PREFIX"] == settings.redis_key_prefix
    assert "API_KEYS" not in env and "PORT" not in env
    handed = engine.store.executions.get(execution.id)
    assert handed.status == "QUEUED"
    assert handed.attempts[-1].outcome == "HANDED_BACK"
    gone = containers.podman("container", "exists", launcher.name("worker-1"), check=False)
    assert gone.returncode == 1  # removed, not left running
