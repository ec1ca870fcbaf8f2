"""A program a job runs cannot read the worker's secrets through /proc."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from jobsched.clock import SystemClock
from jobsched.handler_settings import HandlerSettings
from jobsched.scheduler import Scheduler
from jobsched.settings import Settings
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for
from tests.integration.test_worker_process import Processes, real_time_scheduler

pytestmark = pytest.mark.skipif(
    not os.path.exists("/proc/self/environ"), reason="needs Linux /proc"
)


@pytest.fixture
def procs(settings: Settings) -> Iterator[Processes]:
    p = Processes(settings)
    yield p
    p.stop_all()


def _run_shell(
    engine: Engine, scheduler: Scheduler, command: str, args: list[str]
) -> tuple[str, dict | None, str]:
    job_id = engine.create_job(
        handler="shell.command", payload={"command": command, "args": args}, max_retries=0
    )
    (execution,) = trigger(engine.store, job_id, SystemClock().now())
    scheduler.run_once()
    final = ("SUCCEEDED", "FAILED")
    wait_for(lambda: engine.status(execution.id) in final, timeout=15, what="the run to end")
    done = engine.store.executions.get(execution.id)
    return done.status, done.result, done.error or ""


def test_a_shell_command_cannot_read_the_workers_secrets_from_proc(
    engine: Engine, procs: Processes
) -> None:
    engine.clock = SystemClock()  # type: ignore[assignment]
    engine.handler_settings = HandlerSettings(shell_allowed_commands=("cat", "head"))
    scheduler = real_time_scheduler(engine)
    secret = "sekrit-api-key-4f1c"
    worker = procs.worker(
        "guarded", SHELL_ALLOWED_COMMANDS="cat,head", API_KEYS=secret, JOBSCHED_API_KEY=secret
    )
    # The environment the worker was started with, as any program can ask for it.
    status, result, error = _run_shell(engine, scheduler, "cat", [f"/proc/{worker.pid}/environ"])
    printed = (result or {}).get("stdout", "") + error
    assert engine.settings.database_url not in printed
    assert "DATABASE_URL" not in printed and "REDIS_URL" not in printed
    assert secret not in printed
    # Its memory (where the settings are) cannot be opened at all.
    status, _, error = _run_shell(engine, scheduler, "head", ["-c", "1", f"/proc/{worker.pid}/mem"])
    assert status == "FAILED"
    assert "Permission denied" in error
    assert worker.poll() is None, "the worker keeps running"
