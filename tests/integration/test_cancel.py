"""Cancel reaches the running handler; deleting a running job leaves nothing behind."""

from __future__ import annotations

from jobsched.domain.validation import validate_job_create
from jobsched.handler_settings import HandlerSettings
from jobsched.job_life import create_job
from jobsched.settings import Settings
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for


def start_running(engine: Engine, **job: object):
    job_id = engine.create_job(**job)
    (execution,) = trigger(engine.store, job_id, engine.clock.now())
    worker = engine.worker()
    engine.run_until(lambda: engine.status(execution.id) == "RUNNING", worker)
    return job_id, execution, worker


def test_cancelling_a_running_delay_interrupts_it(engine: Engine) -> None:
    _, execution, worker = start_running(
        engine, handler="test.delay", payload={"durationMs": 60_000}
    )
    run = worker.running[execution.id]
    engine.service.cancel_execution(execution.id)
    assert not run.done  # the API only records the request; the worker acts
    worker.heartbeat(engine.clock.now())  # the worker learns of it on its next beat
    # The 60 s handler is interrupted: its thread is free again, and so is its slot.
    wait_for(lambda: worker.flush(engine.clock.now()) or not worker.running, timeout=10)
    assert run.ctx.cancelled.is_set() and run.done
    assert engine.status(execution.id) == "CANCELLED"
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}
    # Nothing is left for anyone to claim.
    assert engine.worker("w2").run_once(engine.clock.now()) == 0


def test_cancelling_a_running_shell_command_kills_its_process_group(
    store, queue, registry, clock, settings: Settings, tmp_path
) -> None:
    allowed = HandlerSettings(shell_allowed_commands=("sh",))
    engine = Engine(store, queue, settings, registry, clock, allowed)
    marker = tmp_path / "child.pid"
    script = f"sleep 60 & echo $! > {marker}; wait"
    data = validate_job_create(
        {
            "name": "shell",
            "handler": "shell.command",
            "payload": {"command": "sh", "args": ["-c", script]},
        },
        registry,
        allowed,
    )
    job_id = create_job(store, data, clock.now()).id
    (execution,) = trigger(store, job_id, clock.now())
    worker = engine.worker()
    engine.run_until(lambda: marker.exists() and marker.read_text().strip(), worker)
    child = int(marker.read_text())
    engine.service.cancel_execution(execution.id)
    worker.heartbeat(clock.now())
    wait_for(lambda: worker.flush(clock.now()) or not worker.running, timeout=10)

    def gone() -> bool:
        try:
            with open(f"/proc/{child}/stat") as f:
                return f.read().split()[2] == "Z"  # a zombie is dead
        except FileNotFoundError:
            return True

    wait_for(gone, timeout=5, what="the shell's child process to be killed")
    assert engine.status(execution.id) == "CANCELLED"


def test_deleting_a_job_while_it_runs_leaves_no_orphan_state(engine: Engine) -> None:
    job_id, execution, worker = start_running(
        engine, handler="test.delay", payload={"durationMs": 60_000}
    )
    engine.service.delete_job(job_id)
    worker.heartbeat(engine.clock.now())
    wait_for(lambda: worker.flush(engine.clock.now()) or not worker.running, timeout=5)
    assert not worker.running
    assert engine.queue.depth() == {"ready": 0, "in_flight": 0, "delayed": 0}
    assert engine.store.executions.list().total == 0
    keys = set(engine.queue.client.scan_iter(match=f"*{engine.queue.keys.prefix}*"))
    # Only bookkeeping remains: no message, lease or cancel flag for the execution.
    for key in keys:
        kind = engine.queue.client.type(key)
        if kind == "hash":
            assert execution.id not in engine.queue.client.hkeys(key), key
        if kind == "set":
            assert not engine.queue.client.sismember(key, execution.id), key
